using Orleans.Workflow.Playbooks.Binding;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks;

/// <summary>A playbook read and checked: the model when it is valid, and every error found either way.</summary>
public sealed record PlaybookLoadResult(Playbook? Playbook, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool IsValid => Playbook is not null && Diagnostics.Count == 0;
}

/// <summary>Reads, binds and validates playbooks: the one entry point for the CLI, the client and the silo.</summary>
public static class PlaybookLoader
{
    public static PlaybookLoadResult LoadFile(string path, PlaybookValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= PlaybookValidationOptions.Default;
        byte[] content;
        try
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path))
            {
                return Failed(path, "is a directory, not a playbook file");
            }

            if (!info.Exists)
            {
                return Failed(path, "no such file");
            }

            if (info.Length > options.ReadLimits.MaxBytes)
            {
                return Failed(path, $"file is {info.Length:N0} bytes; a playbook may be at most {options.ReadLimits.MaxBytes:N0} bytes");
            }

            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException or NotSupportedException or ArgumentException)
        {
            return Failed(path, "cannot read file: " + ex.Message);
        }

        return Finish(() => YamlReader.Read(content, path, options.ReadLimits), path, options);
    }

    public static PlaybookLoadResult Load(string text, string file, PlaybookValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= PlaybookValidationOptions.Default;
        return Finish(() => YamlReader.Read(text, file, options.ReadLimits), file, options);
    }

    public static PlaybookLoadResult Load(byte[] content, string file, PlaybookValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        options ??= PlaybookValidationOptions.Default;
        return Finish(() => YamlReader.Read(content, file, options.ReadLimits), file, options);
    }

    /// <summary>The start of the message for a defect of ours, so tests can tell it from a user's error.</summary>
    public const string InternalErrorPrefix = "internal error while checking this playbook";

    private static PlaybookLoadResult Finish(Func<YamlReadResult> read, string file, PlaybookValidationOptions options)
    {
        try
        {
            return Finish(read(), file, options);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect of ours must still answer as an error at a place, never as a stack trace.
            return Failed(file, $"{InternalErrorPrefix} ({ex.GetType().Name}: {ex.Message}); please report it");
        }
    }

    private static PlaybookLoadResult Finish(YamlReadResult read, string file, PlaybookValidationOptions options)
    {
        if (read.Root is null)
        {
            return new PlaybookLoadResult(null, Sorted(read.Diagnostics));
        }

        var binder = new PlaybookBinder(file);
        // The hash needs only the YAML tree: compute it on another core while the tree is bound and validated.
        var root = read.Root;
        var version = root.Size >= ParallelHashNodes ? Task.Run(() => ContentHash.Compute(root)) : Task.FromResult(ContentHash.Compute(root));
        var playbook = binder.Bind(root, string.Empty);
        var diagnostics = new List<Diagnostic>(read.Diagnostics);
        diagnostics.AddRange(binder.Diagnostics);
        if (playbook is not null)
        {
            diagnostics.AddRange(PlaybookValidator.Validate(playbook, options));
        }

        return new PlaybookLoadResult(diagnostics.Count == 0 ? playbook! with { Version = version.GetAwaiter().GetResult() } : null, Sorted(diagnostics));
    }

    /// <summary>Playbooks of at least this many nodes are hashed in parallel with their validation.</summary>
    private const int ParallelHashNodes = 20_000;

    private static List<Diagnostic> Sorted(IEnumerable<Diagnostic> diagnostics) =>
        [.. diagnostics.Distinct().OrderBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Message, StringComparer.Ordinal)];

    private static PlaybookLoadResult Failed(string file, string message) =>
        new(null, [new Diagnostic(file, SourcePosition.Start, message)]);
}
