namespace Orleans.Workflow.Playbooks;

/// <summary>
/// One playbook by name: its versions (content-addressed), and which one is current.
/// Registering the same content again is a no-op.
/// </summary>
[Alias("owf.IPlaybookGrain")]
public interface IPlaybookGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores <paramref name="yaml"/>; the answer names the version or lists every error.</summary>
    [Alias("Register")]
    Task<RegisterPlaybookResult> RegisterAsync(string yaml, string file);

    /// <summary>The YAML of <paramref name="version"/>, or of the current version when null; null when unknown.</summary>
    [Alias("GetSource")]
    Task<PlaybookSource?> GetSourceAsync(string? version);
}

[GenerateSerializer]
[Alias("owf.RegisterPlaybookResult")]
public sealed record RegisterPlaybookResult(
    [property: Id(0)] string? Version,
    [property: Id(1)] bool Created,
    [property: Id(2)] IReadOnlyList<string> Errors);

[GenerateSerializer]
[Alias("owf.PlaybookSource")]
public sealed record PlaybookSource(
    [property: Id(0)] string Name,
    [property: Id(1)] string Version,
    [property: Id(2)] string Yaml,
    [property: Id(3)] string File,
    [property: Id(4)] DateTimeOffset RegisteredAt);
