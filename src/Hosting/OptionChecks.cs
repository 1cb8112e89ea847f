using System.Globalization;
using Microsoft.Extensions.Configuration;
using Orleans.Runtime;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// What the validators share: reading options from the <c>Workflow</c> section (a value that is not of its key's
/// type is a configuration error too), and the checks, each failing with a message that names the key.
/// </summary>
internal static class OptionChecks
{
    /// <summary>The options as the <c>Workflow</c> section gives them, then as <paramref name="configure"/> changes them.</summary>
    public static T Read<T>(IConfiguration configuration, Action<T>? configure)
        where T : new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new T();
        try
        {
            configuration.GetSection(WorkflowSiloOptions.Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            // "Failed to convert configuration value 'x' at 'Workflow:SiloPort' to type 'System.Int32'."
            throw new OrleansConfigurationException(ex.Message, ex);
        }

        configure?.Invoke(options);
        return options;
    }

    public static string Key(string name) => $"{WorkflowSiloOptions.Section}:{name}";

    public static void Port(string name, int value, int min = 1)
    {
        if (value < min || value > 65535)
        {
            throw new OrleansConfigurationException($"{Key(name)} must be between {min} and 65535 (it is {value.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    public static void Positive(string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new OrleansConfigurationException($"{Key(name)} must be longer than 0 (it is {value.ToString("c", CultureInfo.InvariantCulture)}; write it as hh:mm:ss)");
        }
    }

    public static void AtLeast(string name, long value, long min)
    {
        if (value < min)
        {
            throw new OrleansConfigurationException($"{Key(name)} must be at least {min.ToString(CultureInfo.InvariantCulture)} (it is {value.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    public static void NotEmpty(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new OrleansConfigurationException($"{Key(name)} must not be empty");
        }
    }
}
