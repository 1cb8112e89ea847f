using System.Globalization;

namespace Orleans.Workflow.Execution.Bench;

/// <summary>One line of a result table.</summary>
internal sealed record Row(string Metric, string Value, string Target = "", string Verdict = "");

/// <summary>Prints results as Markdown tables (they paste into docs/performance.md as they are).</summary>
internal sealed class Report(TextWriter output)
{
    public static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public TextWriter Output { get; } = output;

    public void Heading(string text)
    {
        Output.WriteLine();
        Output.WriteLine($"### {text}");
        Output.WriteLine();
    }

    public void Line(string text = "") => Output.WriteLine(text);

    public void Table(IEnumerable<Row> rows)
    {
        Output.WriteLine("| metric | value | target | verdict |");
        Output.WriteLine("|---|---:|---|---|");
        foreach (var row in rows)
        {
            Output.WriteLine($"| {row.Metric} | {row.Value} | {row.Target} | {row.Verdict} |");
        }

        Output.WriteLine();
    }

    /// <summary>Where the time and memory of a window went, from the process and Orleans' instruments.</summary>
    public static IEnumerable<Row> Costs(ResourceWindow window, IReadOnlyDictionary<string, (long Count, double Sum)> probe, int steps)
    {
        yield return new Row("process CPU / wall (2 cores = 200 %)", Percent(window.Cpu / window.Wall));
        yield return new Row("process CPU per step", Ms(window.Cpu.TotalMilliseconds / steps));
        yield return new Row("allocated per step", Bytes(window.Allocated / (double)steps));
        yield return new Row("GCs gen0/gen1/gen2, pause", string.Create(Invariant, $"{window.Collections[0]}/{window.Collections[1]}/{window.Collections[2]}, {window.GcPause.TotalMilliseconds:F0} ms"));
        if (probe.TryGetValue("orleans-storage-write-latency", out var writes))
        {
            yield return new Row("storage writes per step", Number(writes.Count / (double)steps));
            yield return new Row("storage write latency, mean", Ms(writes.Sum / Math.Max(1, writes.Count)));
        }

        if (probe.TryGetValue("orleans-messaging-sent-local", out var local))
        {
            yield return new Row("local messages per step", Number(local.Sum / steps));
        }

        if (probe.TryGetValue("orleans-catalog-activation-created", out var created))
        {
            yield return new Row("activations created per step", Number(created.Sum / steps));
        }

        if (probe.TryGetValue("orleans-streams-persistent-stream-messages-sent", out var sent))
        {
            yield return new Row("stream batches sent per step", Number(sent.Sum / steps));
        }

        if (probe.TryGetValue("orleans-streams-pubsub-producers-added", out var producers))
        {
            yield return new Row("stream producers registered", Number(producers.Sum));
        }

        if (probe.TryGetValue("orleans-scheduler-long-running-turns", out var longTurns))
        {
            yield return new Row("long-running turns", Number(longTurns.Sum));
        }
    }

    /// <summary>Grain calls and storage operations by total time, when they were traced.</summary>
    public void Calls(IReadOnlyDictionary<string, (long Count, double Sum)> probe, int steps, int top = 20)
    {
        var calls = probe.Where(p => !p.Key.StartsWith("orleans-", StringComparison.Ordinal)).OrderByDescending(p => p.Value.Sum).Take(top).ToList();
        if (calls.Count == 0)
        {
            return;
        }

        Output.WriteLine("| traced activity (kind, name) | count | per step | mean ms | total ms |");
        Output.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, (count, sum)) in calls)
        {
            Output.WriteLine(string.Create(Invariant, $"| {name} | {count:N0} | {count / (double)steps:F2} | {sum / count:F3} | {sum:N0} |"));
        }

        Output.WriteLine();
    }

    public static string Ms(double value) => string.Create(Invariant, $"{value:F3} ms");

    public static string Number(double value) => string.Create(Invariant, $"{value:N2}");

    public static string Percent(double share) => string.Create(Invariant, $"{share * 100:F0} %");

    public static string Bytes(double value) => value switch
    {
        >= 1024 * 1024 => string.Create(Invariant, $"{value / 1024 / 1024:F2} MiB"),
        >= 1024 => string.Create(Invariant, $"{value / 1024:F1} KiB"),
        _ => string.Create(Invariant, $"{value:F0} B"),
    };

    public static string Verdict(bool met) => met ? "met" : "NOT met";
}
