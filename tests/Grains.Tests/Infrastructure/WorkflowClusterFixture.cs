using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Silo.Hosting;

namespace Orleans.Workflow.Grains.Tests.Infrastructure;

/// <summary>
/// A real in-process Orleans test cluster (one silo) with the workflow grains, built-in plugins and
/// in-memory storage and streams, shared by the tests of a collection.
/// Secrets: <see cref="SecretName"/> = <see cref="SecretValue"/> from configuration, and every file of <see cref="SecretsFolder"/>.
/// Named SQL connections come from <see cref="ExtraConfiguration"/> (set before the first test runs).
/// </summary>
public sealed class WorkflowClusterFixture : IAsyncLifetime
{
    public const string SecretName = "API_TOKEN";
    public const string SecretValue = "s3cr3t-t0ken-value";
    public const string FileSecretName = "DB_PASSWORD";
    public const string FileSecretValue = "file-secret-p4ss";

    public static readonly string SecretsFolder = Path.Combine(Path.GetTempPath(), "owf-test-secrets-" + Environment.ProcessId);

    /// <summary>Configuration given to every silo, e.g. <c>Workflow:Connections:warehouse</c>.</summary>
    public static Dictionary<string, string?> ExtraConfiguration { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    public WorkflowClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(SecretsFolder);
        await File.WriteAllTextAsync(Path.Combine(SecretsFolder, FileSecretName), FileSecretValue + "\n");
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Client = new WorkflowClient(Cluster.Client);
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>Registers a playbook from YAML text and answers its name.</summary>
    public async Task<string> RegisterAsync(string yaml)
    {
        var loaded = Playbooks.PlaybookLoader.Load(yaml, "test.yaml", Playbooks.Validation.PlaybookValidationOptions.Default);
        if (loaded.Playbook is null)
        {
            throw new InvalidOperationException("test playbook is invalid:\n" + string.Join("\n", loaded.Diagnostics));
        }

        await Client.RegisterPlaybookAsync(loaded.Playbook.Name, yaml, "test.yaml");
        return loaded.Playbook.Name;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var values = new Dictionary<string, string?>
            {
                [$"Workflow:Secrets:{SecretName}"] = SecretValue,
                ["Workflow:SecretsPath"] = SecretsFolder,
                ["Workflow:ResendInterval"] = "00:00:01",
            };
            foreach (var (key, value) in ExtraConfiguration)
            {
                values[key] = value;
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
            siloBuilder.Services.AddSingleton<IConfiguration>(configuration);
            siloBuilder.AddWorkflow(configuration);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(RunEvent.StreamProvider);
    }
}

[CollectionDefinition(Name)]
public sealed class WorkflowClusterCollection : ICollectionFixture<WorkflowClusterFixture>
{
    public const string Name = "workflow cluster";
}
