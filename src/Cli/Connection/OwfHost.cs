using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.Workflow.Cli.Connection;

/// <summary>The host an <c>owf</c> command builds, for an embedded silo or a cluster client alike.</summary>
internal static class OwfHost
{
    public const string LogLevelVariable = "OWF_LOG_LEVEL";

    /// <summary>
    /// Configuration from the environment (<c>Workflow__...</c>) over <paramref name="defaults"/>, and log lines on
    /// stderr (stdout is the command's) at <c>OWF_LOG_LEVEL</c>, else at <paramref name="level"/>.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(LogLevel level, bool quietOrleans, IReadOnlyDictionary<string, string?>? defaults = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (defaults is not null)
        {
            builder.Configuration.AddInMemoryCollection(defaults);
        }

        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        var chosen = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable(LogLevelVariable), ignoreCase: true, out var fromEnvironment) ? fromEnvironment : level;
        builder.Logging.SetMinimumLevel(chosen);
        if (quietOrleans)
        {
            // OWF_LOG_LEVEL=Debug shows what the workflow does, not every line of Orleans' own.
            builder.Logging.AddFilter("Orleans", chosen > LogLevel.Error ? chosen : LogLevel.Error);
            builder.Logging.AddFilter("Microsoft", chosen > LogLevel.Error ? chosen : LogLevel.Error);
        }

        return builder;
    }
}
