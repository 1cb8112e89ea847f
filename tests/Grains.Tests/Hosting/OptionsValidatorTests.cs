using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Hosting;

namespace Orleans.Workflow.Grains.Tests.Hosting;

/// <summary>The options validators: each bad value fails with a message naming its key; the defaults pass.</summary>
public sealed class OptionsValidatorTests
{
    [Fact]
    public void SiloOptions_Defaults_AreValid() => new WorkflowSiloOptionsValidator(new WorkflowSiloOptions()).ValidateConfiguration();

    [Theory]
    [InlineData(nameof(WorkflowSiloOptions.SiloPort), 0, "Workflow:SiloPort must be between 1 and 65535 (it is 0)")]
    [InlineData(nameof(WorkflowSiloOptions.SiloPort), 65536, "Workflow:SiloPort must be between 1 and 65535 (it is 65536)")]
    [InlineData(nameof(WorkflowSiloOptions.GatewayPort), -1, "Workflow:GatewayPort must be between 1 and 65535 (it is -1)")]
    [InlineData(nameof(WorkflowSiloOptions.HttpPort), 70000, "Workflow:HttpPort must be between 0 and 65535 (it is 70000)")]
    [InlineData(nameof(WorkflowSiloOptions.MissedProbesLimit), 0, "Workflow:MissedProbesLimit must be at least 1 (it is 0)")]
    public void SiloOptions_NumberOutOfRange_NamesTheKey(string key, int value, string message)
    {
        var options = new WorkflowSiloOptions();
        typeof(WorkflowSiloOptions).GetProperty(key)!.SetValue(options, value);

        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowSiloOptionsValidator(options).ValidateConfiguration);

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void SiloOptions_HttpPortZero_TurnsHealthOffAndIsValid() =>
        new WorkflowSiloOptionsValidator(new WorkflowSiloOptions { HttpPort = 0 }).ValidateConfiguration();

    [Theory]
    [InlineData(nameof(WorkflowSiloOptions.DrainTimeout), "00:00:00")]
    [InlineData(nameof(WorkflowSiloOptions.ProbeTimeout), "-00:00:01")]
    public void SiloOptions_TimeoutNotPositive_NamesTheKey(string key, string value)
    {
        var options = new WorkflowSiloOptions();
        typeof(WorkflowSiloOptions).GetProperty(key)!.SetValue(options, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowSiloOptionsValidator(options).ValidateConfiguration);

        Assert.StartsWith($"Workflow:{key} must be longer than 0 (it is {value}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.5", true)]
    [InlineData("::1", true)]
    [InlineData("silo-0.owf", false)]
    [InlineData("10.0.0.300", false)]
    public void SiloOptions_AdvertisedAddress_MustBeAnIpAddress(string address, bool valid)
    {
        var validator = new WorkflowSiloOptionsValidator(new WorkflowSiloOptions { AdvertisedAddress = address });

        if (valid)
        {
            validator.ValidateConfiguration();
        }
        else
        {
            var error = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);
            Assert.Equal($"Workflow:AdvertisedAddress must be an IP address such as 10.0.0.5 (it is '{address}')", error.Message);
        }
    }

    [Fact]
    public void SiloOptions_EmptyClusterId_NamesTheKey()
    {
        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowSiloOptionsValidator(new WorkflowSiloOptions { ClusterId = " " }).ValidateConfiguration);

        Assert.Equal("Workflow:ClusterId must not be empty", error.Message);
    }

    [Fact]
    public void WorkflowOptions_Defaults_AreValid() => new WorkflowOptionsValidator(Options.Create(new WorkflowOptions())).ValidateConfiguration();

    [Theory]
    [InlineData(nameof(WorkflowOptions.ResendInterval))]
    [InlineData(nameof(WorkflowOptions.WakeReminderPeriod))]
    public void WorkflowOptions_PeriodZero_NamesTheKey(string key)
    {
        var options = new WorkflowOptions();
        typeof(WorkflowOptions).GetProperty(key)!.SetValue(options, TimeSpan.Zero);

        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowOptionsValidator(Options.Create(options)).ValidateConfiguration);

        Assert.StartsWith($"Workflow:{key} must be longer than 0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(WorkflowOptions.MaxOutputBytes), 0, "Workflow:MaxOutputBytes must be at least 1 (it is 0)")]
    [InlineData(nameof(WorkflowOptions.StepLogMaxBytes), -1, "Workflow:StepLogMaxBytes must be at least 0 (it is -1)")]
    [InlineData(nameof(WorkflowOptions.StepLogTailLines), -5, "Workflow:StepLogTailLines must be at least 0 (it is -5)")]
    public void WorkflowOptions_SizeOutOfRange_NamesTheKey(string key, int value, string message)
    {
        var options = new WorkflowOptions();
        typeof(WorkflowOptions).GetProperty(key)!.SetValue(options, value);

        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowOptionsValidator(Options.Create(options)).ValidateConfiguration);

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ClientOptions_WithoutPostgres_ChecksTheGatewayPort()
    {
        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowClientOptionsValidator(new WorkflowClientOptions { GatewayPort = 0 }).ValidateConfiguration);

        Assert.Equal("Workflow:GatewayPort must be between 1 and 65535 (it is 0)", error.Message);
        new WorkflowClientOptionsValidator(new WorkflowClientOptions { GatewayPort = 0, Postgres = "Host=db" }).ValidateConfiguration();
    }

    [Fact]
    public void ClientOptions_EmptyServiceId_NamesTheKey()
    {
        var error = Assert.Throws<OrleansConfigurationException>(new WorkflowClientOptionsValidator(new WorkflowClientOptions { ServiceId = "" }).ValidateConfiguration);

        Assert.Equal("Workflow:ServiceId must not be empty", error.Message);
    }

    [Fact]
    public void AddWorkflowClient_BadValueInConfiguration_FailsBeforeAnythingIsWired()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Workflow:GatewayPort"] = "99999" });

        var error = Assert.Throws<OrleansConfigurationException>(() => builder.UseOrleansClient(client => client.AddWorkflowClient()));

        Assert.Equal("Workflow:GatewayPort must be between 1 and 65535 (it is 99999)", error.Message);
    }

    [Fact]
    public void AddWorkflowSilo_ValueOfTheWrongType_NamesTheKey()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Workflow:SiloPort"] = "eleven" });

        var error = Assert.Throws<OrleansConfigurationException>(() => builder.UseOrleans(silo => silo.AddWorkflowSilo()));

        Assert.Contains("'Workflow:SiloPort'", error.Message, StringComparison.Ordinal);
    }
}
