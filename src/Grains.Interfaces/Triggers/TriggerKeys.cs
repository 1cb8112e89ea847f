using System.Globalization;

namespace Orleans.Workflow.Triggers;

/// <summary>How the keys of the schedule and upstream grains are made, and what an event id may hold.</summary>
public static class TriggerKeys
{
    /// <summary>The longest event id (it becomes part of run ids).</summary>
    public const int MaxEventIdLength = 100;

    /// <summary>The schedule grain of a playbook's <c>on.schedule</c> entry <paramref name="index"/> (from 0).</summary>
    public static string Schedule(string playbook, int index) => $"{playbook}/{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The upstream grain of one task of one playbook (cross-playbook <c>needs</c>).</summary>
    public static string Upstream(string playbook, string task) => $"{playbook}/{task}";

    /// <summary>True when <paramref name="id"/> can be an event id: letters, digits, '.', '_', '-', 1 to 100 characters.</summary>
    public static bool IsValidEventId(string id) =>
        id is { Length: > 0 and <= MaxEventIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
