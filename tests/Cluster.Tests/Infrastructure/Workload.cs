using System.Text;
using System.Text.Json.Nodes;
using Orleans.Workflow.Client;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Cluster.Tests.Infrastructure;

/// <summary>A task of a test playbook: its steps, each a shell step that sleeps and then appends a line.</summary>
internal sealed record TaskSpec(string Id, string[] Needs, params StepSpec[] Steps);

/// <summary>
/// A shell step that sleeps <see cref="Sleep"/> seconds, then appends "&lt;run id&gt; &lt;step id&gt; &lt;pid of the silo&gt;" to the
/// file in param <c>out</c> (the shell's parent is the silo that ran the attempt).
/// </summary>
internal sealed record StepSpec(string Id, string Sleep);

/// <summary>Test playbooks whose every step leaves a trace: one line per completed attempt in a file.</summary>
internal static class Workload
{
    public static string Playbook(string name, params TaskSpec[] tasks)
    {
        var yaml = new StringBuilder();
        yaml.Append("name: ").Append(name).Append('\n');
        yaml.Append("params:\n  out: { type: string }\n");
        yaml.Append("tasks:\n");
        foreach (var task in tasks)
        {
            yaml.Append("  ").Append(task.Id).Append(":\n");
            if (task.Needs.Length > 0)
            {
                yaml.Append("    needs: [").Append(string.Join(", ", task.Needs)).Append("]\n");
            }

            yaml.Append("    steps:\n");
            foreach (var step in task.Steps)
            {
                yaml.Append("      - id: ").Append(step.Id).Append('\n');
                yaml.Append("        uses: shell\n");
                yaml.Append("        with:\n");
                yaml.Append("          run: 'sleep ").Append(step.Sleep).Append("; echo \"$RUN ").Append(step.Id).Append(" $PPID\" >> \"$OUT\"'\n");
                yaml.Append("          env:\n");
                yaml.Append("            RUN: \"${{ run.id }}\"\n");
                yaml.Append("            OUT: \"${{ params.out }}\"\n");
            }
        }

        return yaml.ToString();
    }

    public static JsonObject Params(string linesPath) => new() { ["out"] = linesPath };

    /// <summary>Every step of a run (foreach instances' too).</summary>
    public static IEnumerable<StepSnapshot> Steps(RunSnapshot run) =>
        run.Tasks.SelectMany(t => t.Steps.Concat(t.Instances?.SelectMany(i => i.Steps) ?? []));

    public static int StepsEnded(RunSnapshot run) => Steps(run).Count(s => s.Status.IsFinal());

    /// <summary>
    /// Compares the runs' steps with the lines their attempts wrote: a step that ran once wrote exactly one line;
    /// a step with more attempts wrote at least one (exactly one when <paramref name="retriedExactlyOnce"/>: its
    /// cut attempts were killed before they wrote). Every line belongs to a step. Answers the problems found.
    /// </summary>
    public static List<string> CheckLines(IEnumerable<RunSnapshot> runs, IReadOnlyDictionary<string, int> lines, bool retriedExactlyOnce = false)
    {
        var problems = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (run.Status != WorkStatus.Succeeded)
            {
                problems.Add($"{run.Id} run: {run.Status.Name()}: {run.Error?.Message} (task {run.Error?.Task}, step {run.Error?.Step})");
            }

            foreach (var step in Steps(run))
            {
                var key = $"{run.Id} {step.Id}";
                expected.Add(key);
                var count = lines.GetValueOrDefault(key);
                if (step.Status != WorkStatus.Succeeded)
                {
                    problems.Add($"{key}: {step.Status.Name()} after {step.Attempts} attempts: {step.Error}");
                }
                else if (step.Attempts == 1 && count != 1)
                {
                    problems.Add($"{key}: 1 attempt but its line appears {count} times");
                }
                else if (step.Attempts > 1 && (count < 1 || (retriedExactlyOnce && count != 1)))
                {
                    problems.Add($"{key}: {step.Attempts} attempts and its line appears {count} times");
                }
            }
        }

        problems.AddRange(lines.Keys.Where(k => !expected.Contains(k)).Select(k => $"a line no step of these runs wrote: '{k}'"));
        return problems;
    }
}

/// <summary>
/// Follows a set of runs by polling their snapshots, each run on its own (a call that hangs, to a silo that just
/// died, holds up only its run); a poll that fails is tried again.
/// </summary>
internal sealed class RunTracker(WorkflowClient client, IEnumerable<string> runIds)
{
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(20);
    private readonly List<string> _ids = runIds.ToList();
    private readonly Dictionary<string, RunSnapshot> _latest = new(StringComparer.Ordinal);
    private int _failures;
    private string? _lastFailure;

    public WorkflowClient Client { get; set; } = client;

    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Called (under a lock, so keep it short) with every snapshot a poll reads.</summary>
    public Action<RunSnapshot>? Observed { get; set; }

    public IReadOnlyDictionary<string, RunSnapshot> Latest
    {
        get
        {
            lock (_latest)
            {
                return new Dictionary<string, RunSnapshot>(_latest, StringComparer.Ordinal);
            }
        }
    }

    public bool AllEnded => Unended.Count == 0;

    public IReadOnlyList<string> Unended
    {
        get
        {
            lock (_latest)
            {
                return _ids.Where(id => !_latest.TryGetValue(id, out var s) || !s.Status.IsFinal()).ToList();
            }
        }
    }

    /// <summary>Refreshes the snapshot of every run not ended yet, once.</summary>
    public Task PollAsync() => Task.WhenAll(Unended.Select(PollOneAsync));

    /// <summary>Polls every run until it has ended (or <paramref name="timeout"/> passes: then it throws, saying where the runs are).</summary>
    public async Task WaitAllEndedAsync(TimeSpan timeout, TimeSpan? every = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var period = every ?? TimeSpan.FromMilliseconds(500);
        await Task.WhenAll(Unended.Select(async id =>
        {
            while (!deadline.IsCancellationRequested)
            {
                if (await PollOneAsync(id) is { } snapshot && snapshot.Status.IsFinal())
                {
                    return;
                }

                try
                {
                    await Task.Delay(period, deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }));
        if (!AllEnded)
        {
            throw new TimeoutException($"waited {timeout} for all {_ids.Count} runs to end\nlast seen: {Describe()}");
        }
    }

    private async Task<RunSnapshot?> PollOneAsync(string id)
    {
        try
        {
            var snapshot = await Client.GetSnapshotAsync(id).WaitAsync(CallLimit);
            lock (_latest)
            {
                _latest[id] = snapshot;
                Observed?.Invoke(snapshot);
            }

            return snapshot;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            lock (_latest)
            {
                _failures++;
                _lastFailure = $"{ex.GetType().Name}: {ex.Message}";
            }

            return null;
        }
    }

    public string Describe()
    {
        var latest = Latest;
        var statuses = _ids.GroupBy(id => latest.TryGetValue(id, out var s) ? s.Status.Name() : "unknown").Select(g => $"{g.Key}: {g.Count()}");
        var stuck = Unended.Take(3).Select(id => latest.TryGetValue(id, out var s)
            ? $"{id} [{string.Join(", ", Workload.Steps(s).Select(st => $"{st.Id}={st.Status.Name()}/{st.Attempts}"))}]"
            : id);
        return $"{string.Join(", ", statuses)}; {_failures} failed polls (last: {_lastFailure}); e.g. {string.Join("; ", stuck)}";
    }
}
