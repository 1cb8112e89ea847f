using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;
using Orleans.Workflow.Runs;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Grains.Tests.Triggers;

/// <summary>Helpers of the trigger tests: runs that others start, admission state, gates that hold a run active.</summary>
internal static class TriggerKit
{
    /// <summary>
    /// A step that appends the run id to <c>$DIR/order</c>, then blocks until <c>$DIR/go-{run id}</c> exists (see
    /// <see cref="Release"/>): it holds its run active for as long as the test wants. Indented for a step list.
    /// </summary>
    public const string HoldStep = """
              - id: hold
                uses: shell
                with:
                  run: 'echo "$RUN" >> "$DIR/order"; while [ ! -e "$DIR/go-$RUN" ]; do sleep 0.05; done'
                  env: { DIR: "${{ params.dir }}", RUN: "${{ run.id }}" }
        """;

    /// <summary>The <c>params</c> of a playbook using <see cref="HoldStep"/>: <c>dir</c> defaults to the test's folder, so any trigger can start it.</summary>
    public static string DirParam(TempDir dir) => $"params: {{ dir: {{ type: string, default: \"{dir.Path}\" }} }}";

    /// <summary>Lets the <see cref="HoldStep"/> of <paramref name="runId"/> end.</summary>
    public static void Release(this TempDir dir, string runId) => dir.Touch("go-" + runId);

    /// <summary>The run's status, or null when no run has this id.</summary>
    public static Task<WorkStatus?> StatusAsync(this WorkflowClusterFixture fixture, string runId) =>
        fixture.Cluster.Client.GetGrain<IRunGrain>(runId).GetStatusAsync();

    /// <summary>Waits until a run that something else starts exists; answers its snapshot.</summary>
    public static async Task<RunSnapshot> AppearsAsync(this WorkflowClusterFixture fixture, string runId)
    {
        await Eventually.HoldsAsync(async () => await fixture.StatusAsync(runId) is not null, $"run {runId} exists");
        return await fixture.Client.GetSnapshotAsync(runId);
    }

    /// <summary>
    /// A round trip to the <c>after:</c> topic of <paramref name="upstream"/>. A topic picks the subscribers a message
    /// starts before it starts any of them, so once one follower of a message exists, a follower it did not pick never
    /// starts from it; this call only makes sure the topic is reachable before the test looks.
    /// </summary>
    public static Task TopicSettledAsync(this WorkflowClusterFixture fixture, string upstream) =>
        fixture.Cluster.Client.GetGrain<ITriggerTopicGrain>(TriggerTopicNames.After(upstream)).ListSubscribersAsync();

    public static Task<AdmissionState> AdmissionAsync(this WorkflowClusterFixture fixture, string playbook) =>
        fixture.Cluster.Client.GetGrain<IAdmissionGrain>(playbook).GetStateAsync();

    /// <summary>Waits until the run's <see cref="HoldStep"/> (task <paramref name="task"/>) runs and has written its line.</summary>
    public static async Task<RunSnapshot> HoldingAsync(this WorkflowClusterFixture fixture, TempDir dir, string runId, string task = "work")
    {
        var snapshot = await fixture.StepReachesAsync(runId, task, "hold", WorkStatus.Running);
        await Eventually.HoldsAsync(() => Task.FromResult(dir.Lines("order").Contains(runId)), $"run {runId} wrote its line", () => string.Join(", ", dir.Lines("order")));
        return snapshot;
    }

    /// <summary>The output of the run's only step of task <paramref name="task"/>, as an object.</summary>
    public static JsonObject StepOutput(this RunSnapshot snapshot, string task, string step) =>
        snapshot.Task(task).Step(step).Output() as JsonObject ?? throw new InvalidOperationException($"step {task}/{step} has no object output:\n{snapshot.Show()}");

    /// <summary>The stored events of a run, once the history holds one of <paramref name="until"/>.</summary>
    public static async Task<IReadOnlyList<StoredRunEvent>> HistoryAsync(this WorkflowClusterFixture fixture, string runId, RunEventKind until)
    {
        IReadOnlyList<StoredRunEvent> history = [];
        await Eventually.HoldsAsync(
            async () => (history = await fixture.Client.GetHistoryAsync(runId)).Any(e => e.Event.Kind == until),
            $"the history of {runId} holds {until}",
            () => string.Join("\n", history.Select(e => RunKit.Describe(e.Event))));
        return history;
    }

    /// <summary>The tick a schedule run id encodes: <c>{playbook}-s{index}-{yyyyMMddTHHmmssZ}</c>, and <c>-manual</c> after it when fired by hand.</summary>
    public static DateTimeOffset TickOf(string runId) =>
        DateTimeOffset.ParseExact((runId.EndsWith("-manual", StringComparison.Ordinal) ? runId[..^7] : runId)[^16..], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>Waits until the wall clock is in a later second than <paramref name="tick"/> (a manual tick's id has a one-second grain).</summary>
    public static Task NextSecondAsync(DateTimeOffset tick) =>
        Eventually.HoldsAsync(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > tick.ToUnixTimeSeconds(), "the clock is in a later second", TimeSpan.FromSeconds(5));

    /// <summary>The schedule grain's view, also for an entry the playbook no longer lists.</summary>
    public static Task<ScheduleInfo?> ScheduleGrainInfoAsync(this WorkflowClusterFixture fixture, string playbook, int index) =>
        fixture.Cluster.Client.GetGrain<IScheduleGrain>($"{playbook}/{index.ToString(CultureInfo.InvariantCulture)}").GetInfoAsync();
}
