namespace Orleans.Workflow.Registry;

/// <summary>Persisted state of a playbook: every version it ever had, and the current one.</summary>
[GenerateSerializer]
[Alias("owf.PlaybookGrainState")]
public sealed class PlaybookGrainState
{
    [Id(0)]
    public Dictionary<string, PlaybookVersionRecord> Versions { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public string? Current { get; set; }

    [Id(2)]
    public bool Disabled { get; set; }

    [Id(3)]
    public string? DisabledReason { get; set; }

    /// <summary>Versions in the order they were first registered (version 1 first).</summary>
    [Id(4)]
    public List<string> Order { get; set; } = [];

    /// <summary>How many <c>on.schedule</c> entries have schedule grains (keys <c>{name}/0</c> …).</summary>
    [Id(5)]
    public int Schedules { get; set; }

    /// <summary>The events this playbook is subscribed to (<c>on.events</c>).</summary>
    [Id(6)]
    public List<string> Events { get; set; } = [];

    /// <summary>The playbooks it follows (<c>on.after</c>).</summary>
    [Id(7)]
    public List<string> After { get; set; } = [];

    /// <summary>The tasks of other playbooks its tasks need (<c>{playbook}/{task}</c>), declared to their upstream grains.</summary>
    [Id(8)]
    public List<string> Needs { get; set; } = [];
}

[GenerateSerializer]
[Alias("owf.PlaybookVersionRecord")]
public sealed record PlaybookVersionRecord(
    [property: Id(0)] string Yaml,
    [property: Id(1)] string File,
    [property: Id(2)] DateTimeOffset RegisteredAt);
