namespace Orleans.Workflow.Cli.Tests;

/// <summary>What one invocation of <c>owf</c> did.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs <c>owf</c> in process and finds the repository's files.</summary>
internal static class CliKit
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await OwfCommand.RunAsync(args, stdout, stderr);
        return new CliResult(exit, stdout.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), stderr.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ExamplesDirectory => Path.Combine(RepoRoot, "examples", "playbooks");

    public static string[] ExampleFiles() => [.. Directory.GetFiles(ExamplesDirectory, "*.yaml").Order(StringComparer.Ordinal)];

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.Workflow.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Orleans.Workflow.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary directory for playbook files, removed afterwards.</summary>
internal sealed class TempFiles : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("owf-cli-tests-");

    public string Directory => _directory.FullName;

    public string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Write(string name, byte[] content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
