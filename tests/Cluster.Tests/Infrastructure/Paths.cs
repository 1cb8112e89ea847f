namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>Where the repository and the built silo and CLI are.</summary>
internal static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The configuration this test assembly was built in (its output is bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary>The built silo, run as <c>dotnet Orleans.Workflow.Silo.dll</c> from its own output folder (its runtimeconfig and deps beside it).</summary>
    public static string SiloDll { get; } = Built("Silo", "Orleans.Workflow.Silo");

    /// <summary>The built <c>owf</c>.</summary>
    public static string OwfDll { get; } = Built("Cli", "owf");

    /// <summary>The dotnet host that runs these tests (dotnet test sets DOTNET_HOST_PATH), else <c>dotnet</c> on the PATH.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string Built(string project, string assembly)
    {
        var candidates = new[] { Configuration, "Debug", "Release" }
            .Distinct(StringComparer.Ordinal)
            .Select(configuration => Path.Combine(RepoRoot, "src", project, "bin", configuration, "net10.0", assembly + ".dll"))
            .ToList();
        return candidates.FirstOrDefault(dll => File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
            ?? throw new InvalidOperationException($"{assembly}.dll (with its runtimeconfig.json) not found; looked at:\n{string.Join("\n", candidates)}");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Workflow.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Orleans.Workflow.sln not found above {AppContext.BaseDirectory}");
    }
}
