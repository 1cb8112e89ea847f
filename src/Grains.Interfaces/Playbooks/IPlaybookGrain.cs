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
    [Orleans.Concurrency.AlwaysInterleave]
    Task<PlaybookSource?> GetSourceAsync(string? version);

    /// <summary>Every version, oldest first, numbered from 1 in the order they were first registered.</summary>
    [Alias("ListVersions")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<PlaybookVersionInfo>> ListVersionsAsync();

    /// <summary>The playbook at a glance; null when it was never registered.</summary>
    [Alias("GetInfo")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<PlaybookInfo?> GetInfoAsync();

    /// <summary>
    /// Enables or disables the playbook: a disabled one starts no runs (a manual start is refused with a clear
    /// error). Idempotent; answers what happened.
    /// </summary>
    [Alias("SetEnabled")]
    Task<Runs.ControlResult> SetEnabledAsync(bool enabled, string? reason);

    /// <summary>Every <c>on.schedule</c> entry of the current version, with its next and last tick.</summary>
    [Alias("ListSchedules")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<Triggers.ScheduleInfo>> ListSchedulesAsync();
}

/// <summary>The names of every registered playbook (one grain, key 0).</summary>
[Alias("owf.IPlaybookCatalogGrain")]
public interface IPlaybookCatalogGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    Task AddAsync(string name);

    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();
}

[GenerateSerializer]
[Alias("owf.PlaybookVersionInfo")]
public sealed record PlaybookVersionInfo(
    [property: Id(0)] int Number,
    [property: Id(1)] string Version,
    [property: Id(2)] string File,
    [property: Id(3)] DateTimeOffset RegisteredAt,
    [property: Id(4)] bool Current);

[GenerateSerializer]
[Alias("owf.PlaybookInfo")]
public sealed record PlaybookInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Current,
    [property: Id(2)] int Versions,
    [property: Id(3)] bool Enabled,
    [property: Id(4)] string? DisabledReason,
    [property: Id(5)] DateTimeOffset RegisteredAt);

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
    [property: Id(4)] DateTimeOffset RegisteredAt,
    [property: Id(5)] bool Enabled = true);
