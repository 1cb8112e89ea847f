using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Helpers of the run tests: start and wait with a deadline, watch events, read snapshots, poll conditions.</summary>
internal static class RunKit
{
    /// <summary>How long any one thing a test waits for may take before the test fails (the machine is small and shared).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Registers, starts and waits for the end of a run; answers the final snapshot.</summary>
    public static async Task<RunSnapshot> RunAsync(this WorkflowClusterFixture fixture, string yaml, JsonObject? parameters = null, StartRunOptions? options = null)
    {
        var name = await fixture.RegisterAsync(yaml);
        var runId = await fixture.Client.StartRunAsync(name, parameters, options);
        return await fixture.EndOfAsync(runId);
    }

    /// <summary>Registers and starts a run, lets <paramref name="whileRunning"/> look at it or act on it, then waits for its end.</summary>
    public static async Task<RunSnapshot> RunAsync(
        this WorkflowClusterFixture fixture, string yaml, JsonObject? parameters, StartRunOptions? options, Func<string, Task> whileRunning)
    {
        var name = await fixture.RegisterAsync(yaml);
        var runId = await fixture.Client.StartRunAsync(name, parameters, options);
        await whileRunning(runId);
        return await fixture.EndOfAsync(runId);
    }

    /// <summary>Registers, subscribes, starts, and answers the final snapshot and every event of the run.</summary>
    public static async Task<(RunSnapshot Snapshot, IReadOnlyList<RunEvent> Events)> RunWatchedAsync(
        this WorkflowClusterFixture fixture, string yaml, JsonObject? parameters = null)
    {
        var name = await fixture.RegisterAsync(yaml);
        var runId = WorkflowClient.NewRunId();
        await using var watch = await fixture.Client.WatchAsync(runId);
        await fixture.Client.StartRunAsync(name, parameters, new StartRunOptions { RunId = runId });
        var events = await CollectAsync(watch);
        return (await fixture.EndOfAsync(runId), events);
    }

    /// <summary>Reads events until the run ends (or the patience runs out).</summary>
    public static async Task<IReadOnlyList<RunEvent>> CollectAsync(RunWatch watch)
    {
        using var cts = new CancellationTokenSource(Patience);
        var events = new List<RunEvent>();
        try
        {
            await foreach (var item in watch.ReadAllAsync(cts.Token))
            {
                events.Add(item);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the run did not end within {Patience}; events so far:\n{string.Join("\n", events.Select(Describe))}");
        }

        return events;
    }

    public static async Task<RunSnapshot> EndOfAsync(this WorkflowClusterFixture fixture, string runId)
    {
        using var cts = new CancellationTokenSource(Patience);
        try
        {
            return await fixture.Client.WaitForEndAsync(runId, cts.Token);
        }
        catch (OperationCanceledException)
        {
            var snapshot = await fixture.Client.GetSnapshotAsync(runId);
            throw new TimeoutException($"run {runId} did not end within {Patience}:\n{RunSnapshotJson.ToJson(snapshot)}");
        }
    }

    /// <summary>Polls the run's snapshot until <paramref name="condition"/> holds; fails with the last snapshot past the deadline.</summary>
    public static async Task<RunSnapshot> SnapshotWhenAsync(this WorkflowClusterFixture fixture, string runId, Func<RunSnapshot, bool> condition, string what)
    {
        RunSnapshot? last = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                last = await fixture.Client.GetSnapshotAsync(runId);
                return condition(last);
            },
            what,
            () => last is null ? "no snapshot" : RunSnapshotJson.ToJson(last).ToJsonString());
        return last!;
    }

    /// <summary>Waits until the (non-foreach) step is in <paramref name="status"/>.</summary>
    public static Task<RunSnapshot> StepReachesAsync(this WorkflowClusterFixture fixture, string runId, string task, string step, WorkStatus status) =>
        fixture.SnapshotWhenAsync(runId, s => s.Tasks.Any(t => t.Id == task && t.Steps.Any(x => x.Id == step && x.Status == status)), $"step {task}/{step} is {status.Name()}");

    public static TaskSnapshot Task(this RunSnapshot snapshot, string id) =>
        snapshot.Tasks.SingleOrDefault(t => t.Id == id) ?? throw new InvalidOperationException($"no task '{id}' in the snapshot");

    public static StepSnapshot Step(this TaskSnapshot task, string id) =>
        task.Steps.SingleOrDefault(s => s.Id == id) ?? throw new InvalidOperationException($"no step '{id}' in task '{task.Id}'");

    public static JsonNode? Outputs(this RunSnapshot snapshot) => Parse(snapshot.OutputsJson);

    public static JsonNode? Outputs(this TaskSnapshot task) => Parse(task.OutputsJson);

    public static JsonNode? Output(this StepSnapshot step) => Parse(step.OutputJson);

    public static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    /// <summary>The snapshot as indented JSON, for assertion messages.</summary>
    public static string Show(this RunSnapshot snapshot) => RunSnapshotJson.ToJson(snapshot).ToString();

    public static string Describe(RunEvent e) =>
        $"{e.Timestamp:HH:mm:ss.fff} {e.Kind} {e.Task}{(e.Index is { } i ? $"[{i}]" : string.Empty)}{(e.Step is { } s ? "/" + s : string.Empty)} #{e.Attempt} {e.Message}";

    public static JsonObject Params(params (string Name, JsonNode? Value)[] values)
    {
        var result = new JsonObject();
        foreach (var (name, value) in values)
        {
            result[name] = value;
        }

        return result;
    }

    /// <summary>Nanosecond timestamps written by <c>date +%s%N</c>, as ticks-comparable numbers.</summary>
    public static long Nanos(string text) => long.Parse(text.Trim(), CultureInfo.InvariantCulture);
}

/// <summary>Waits on conditions with a deadline instead of sleeping.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, Func<string>? describe = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? RunKit.Patience;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"waited {limit} for: {what}{(describe is null ? string.Empty : "\nlast seen: " + describe())}");
            }

            await System.Threading.Tasks.Task.Delay(25);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        HoldsAsync(() => System.Threading.Tasks.Task.FromResult(condition()), what, null, timeout);
}

/// <summary>A temporary folder for the files shell steps write; deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "owf-runs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The lines of a file the steps wrote, or none when it does not exist.</summary>
    public string[] Lines(string name) =>
        System.IO.File.Exists(File(name)) ? System.IO.File.ReadAllLines(File(name)).Where(l => l.Length > 0).ToArray() : [];

    public void Touch(string name) => System.IO.File.WriteAllText(File(name), string.Empty);

    public bool Exists(string name) => System.IO.File.Exists(File(name));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process of a cancelled step may still hold a file; the OS cleans /tmp.
        }
    }
}
