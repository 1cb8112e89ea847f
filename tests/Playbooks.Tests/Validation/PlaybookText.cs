using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

/// <summary>Loads playbook text in tests and asserts on the diagnostics it gives.</summary>
internal static class PlaybookText
{
    public const string FileName = "test.yaml";

    /// <summary>A minimal valid task section, for tests about the keys above it.</summary>
    public const string OneTask = """
        tasks:
          a:
            steps:
              - uses: noop
        """;

    public static PlaybookLoadResult Load(string yaml, PlaybookValidationOptions? options = null) =>
        PlaybookLoader.Load(yaml, FileName, options);

    /// <summary>Loads <paramref name="yaml"/> and asserts it is valid.</summary>
    public static Playbook Valid(string yaml, PlaybookValidationOptions? options = null)
    {
        var result = Load(yaml, options);
        Assert.True(result.IsValid, "expected a valid playbook, got:\n" + Describe(result.Diagnostics));
        Assert.NotNull(result.Playbook);
        return result.Playbook;
    }

    /// <summary>Loads <paramref name="yaml"/> and asserts it is invalid, returning every diagnostic.</summary>
    public static IReadOnlyList<Diagnostic> Errors(string yaml, PlaybookValidationOptions? options = null)
    {
        var result = Load(yaml, options);
        Assert.False(result.IsValid, "expected diagnostics, the playbook is valid");
        Assert.Null(result.Playbook);
        Assert.NotEmpty(result.Diagnostics);
        return result.Diagnostics;
    }

    /// <summary>Asserts <paramref name="yaml"/> gives exactly one diagnostic, at that place, holding every word.</summary>
    public static Diagnostic SingleError(string yaml, int line, int column, params string[] words) =>
        SingleError(yaml, null, line, column, words);

    public static Diagnostic SingleError(string yaml, PlaybookValidationOptions? options, int line, int column, params string[] words)
    {
        var diagnostics = Errors(yaml, options);
        Assert.True(diagnostics.Count == 1, $"expected one diagnostic, got {diagnostics.Count}:\n{Describe(diagnostics)}");
        AssertDiagnostic(diagnostics[0], line, column, words);
        return diagnostics[0];
    }

    /// <summary>Asserts one of the diagnostics sits at that place and holds every word.</summary>
    public static Diagnostic HasError(IReadOnlyList<Diagnostic> diagnostics, int line, int column, params string[] words)
    {
        var match = diagnostics.FirstOrDefault(d => d.Line == line && d.Column == column && words.All(w => d.Message.Contains(w, StringComparison.Ordinal)));
        Assert.True(match is not null, $"expected a diagnostic at {line}:{column} with [{string.Join(" | ", words)}], got:\n{Describe(diagnostics)}");
        return match;
    }

    public static void AssertDiagnostic(Diagnostic diagnostic, int line, int column, params string[] words)
    {
        Assert.Equal(FileName, diagnostic.File);
        Assert.True(
            diagnostic.Line == line && diagnostic.Column == column,
            $"expected the diagnostic at {line}:{column}, got {diagnostic}");
        foreach (var word in words)
        {
            Assert.True(diagnostic.Message.Contains(word, StringComparison.Ordinal), $"expected '{word}' in: {diagnostic}");
        }
    }

    public static string Describe(IEnumerable<Diagnostic> diagnostics) => string.Join('\n', diagnostics);
}
