using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Planning;
using static Orleans.Workflow.Playbooks.Tests.Planning.PlanKit;

namespace Orleans.Workflow.Playbooks.Tests.Planning;

public class RunPlannerTests
{
    private static Dictionary<string, string> Plan(Playbook playbook, Dictionary<string, TaskState> states) =>
        new RunPlanner(playbook).Plan(states).ToDictionary(d => d.Task, d => Describe(d));

    [Fact]
    public void Plan_NothingStarted_OnlyRootsAreReady()
    {
        var playbook = Playbook(Task("a"), Task("b"), Task("c", "a"), Task("d", "b", "c"));

        var plan = Plan(playbook, States());

        Assert.Equal(new Dictionary<string, string> { ["a"] = "ready", ["b"] = "ready" }, plan);
    }

    [Fact]
    public void Plan_FailureChain_SkipsPropagateInOneCall()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", "b"), Task("d", "c"));

        var plan = Plan(playbook, States(("a", TaskState.Failed)));

        Assert.Equal(
            new Dictionary<string, string> { ["b"] = "skip:upstream_failed", ["c"] = "skip:upstream_skipped", ["d"] = "skip:upstream_skipped" },
            plan);
    }

    [Fact]
    public void Plan_FailureChain_DetailsNameTheDirectUpstream()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", "b"));

        var decisions = new RunPlanner(playbook).Plan(States(("a", TaskState.Failed)));

        Assert.Equal(["upstream 'a' failed", "upstream 'b' was skipped"], decisions.Select(d => d.Detail ?? string.Empty).ToArray());
    }

    [Theory]
    [InlineData(TriggerRule.NoneFailed, "ready")]
    [InlineData(TriggerRule.AllDone, "ready")]
    [InlineData(TriggerRule.AllSuccess, "skip:upstream_skipped")]
    [InlineData(TriggerRule.OneSuccess, "skip:trigger_rule")]
    [InlineData(TriggerRule.OneFailed, "skip:trigger_rule")]
    [InlineData(TriggerRule.AllFailed, "skip:trigger_rule")]
    public void Plan_AfterTaskSkippedInSameCall_RuleDecides(TriggerRule rule, string expected)
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", rule, "b"));

        var plan = Plan(playbook, States(("a", TaskState.Failed)));

        Assert.Equal("skip:upstream_failed", plan["b"]);
        Assert.Equal(expected, plan["c"]);
    }

    [Fact]
    public void Plan_SkippedBeforeThisCall_NoneFailedAndAllDoneStillRun()
    {
        var playbook = Playbook(
            Task("a"),
            Task("none", TriggerRule.NoneFailed, "a"),
            Task("done", TriggerRule.AllDone, "a"),
            Task("success", "a"));

        var plan = Plan(playbook, States(("a", TaskState.Skipped)));

        Assert.Equal("ready", plan["none"]);
        Assert.Equal("ready", plan["done"]);
        Assert.Equal("skip:upstream_skipped", plan["success"]);
    }

    [Fact]
    public void Plan_OneBranchFailed_IndependentBranchesStillRun()
    {
        var playbook = Playbook(
            Task("left"),
            Task("left2", "left"),
            Task("right"),
            Task("right2", "right"),
            Task("lonely"),
            Task("join", "left2", "right2"),
            Task("report", TriggerRule.AllDone, "join"));

        var plan = Plan(playbook, States(("left", TaskState.Failed), ("right", TaskState.Succeeded)));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["left2"] = "skip:upstream_failed",
                ["right2"] = "ready",
                ["lonely"] = "ready",
                ["join"] = "skip:upstream_skipped",
                ["report"] = "ready",
            },
            plan);
    }

    [Fact]
    public void Plan_JoinWithOneBranchFailedOtherRunning_SkipsJoinAtOnce()
    {
        var playbook = Playbook(Task("left"), Task("right"), Task("join", "left", "right"), Task("after", TriggerRule.AllDone, "join"));

        var plan = Plan(playbook, States(("left", TaskState.Failed), ("right", TaskState.Running)));

        Assert.Equal(new Dictionary<string, string> { ["join"] = "skip:upstream_failed", ["after"] = "ready" }, plan);
    }

    [Fact]
    public void Plan_ReadyTask_DoesNotReleaseItsDependents()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", TriggerRule.AllDone, "b"));

        var plan = Plan(playbook, States(("a", TaskState.Succeeded)));

        Assert.Equal(new Dictionary<string, string> { ["b"] = "ready" }, plan);
    }

    [Theory]
    [InlineData(TaskState.Queued)]
    [InlineData(TaskState.Running)]
    [InlineData(TaskState.Succeeded)]
    [InlineData(TaskState.Failed)]
    [InlineData(TaskState.Skipped)]
    [InlineData(TaskState.Cancelled)]
    [InlineData(TaskState.TimedOut)]
    public void Plan_TaskNotPending_GetsNoDecision(TaskState state)
    {
        var playbook = Playbook(Task("root"), Task("child", TriggerRule.AllDone, "root"));

        var plan = Plan(playbook, States(("root", state), ("child", state)));

        Assert.Empty(plan);
    }

    [Fact]
    public void Plan_TaskExplicitlyPending_IsDecided()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"));

        var plan = Plan(playbook, States(("a", TaskState.Succeeded), ("b", TaskState.Pending)));

        Assert.Equal(new Dictionary<string, string> { ["b"] = "ready" }, plan);
    }

    [Fact]
    public void Plan_DecisionsComeInTopologicalOrder()
    {
        var playbook = Playbook(Task("d", "c"), Task("c", "b"), Task("b", "a"), Task("a"), Task("z"));

        var decisions = new RunPlanner(playbook).Plan(States(("a", TaskState.Cancelled)));

        Assert.Equal(["b", "c", "d", "z"], decisions.Select(d => d.Task).ToArray());
        Assert.Equal(["skip:upstream_failed", "skip:upstream_skipped", "skip:upstream_skipped", "ready"], decisions.Select(Describe).ToArray());
    }

    [Fact]
    public void Plan_DoesNotChangeTheGivenStates()
    {
        var playbook = Playbook(Task("a"), Task("b", "a"), Task("c", "b"));
        var states = States(("a", TaskState.Failed));

        new RunPlanner(playbook).Plan(states);

        Assert.Equal(new Dictionary<string, TaskState> { ["a"] = TaskState.Failed }, states);
    }

    [Fact]
    public void Plan_DiamondWithFailedTop_SkipsMiddleAndRunsAllDoneBottom()
    {
        var playbook = Playbook(Task("top"), Task("l", "top"), Task("r", TriggerRule.OneFailed, "top"), Task("bottom", TriggerRule.AllDone, "l", "r"));

        var plan = Plan(playbook, States(("top", TaskState.Failed)));

        Assert.Equal(new Dictionary<string, string> { ["l"] = "skip:upstream_failed", ["r"] = "ready" }, plan);
    }

    [Fact]
    public void Plan_FallbackPattern_RunsFallbackAndPublishAfterFailure()
    {
        // external-render: gpu fails -> cpu (one_failed) runs; publish waits on one_success; give_up waits on all_failed.
        var playbook = Playbook(
            Task("source"),
            Task("gpu", "source"),
            Task("cpu", TriggerRule.OneFailed, "gpu"),
            Task("publish", TriggerRule.OneSuccess, "gpu", "cpu"),
            Task("give_up", TriggerRule.AllFailed, "gpu", "cpu"));

        var whileCpuRuns = Plan(playbook, States(("source", TaskState.Succeeded), ("gpu", TaskState.Failed), ("cpu", TaskState.Running)));
        var cpuSucceeded = Plan(playbook, States(("source", TaskState.Succeeded), ("gpu", TaskState.Failed), ("cpu", TaskState.Succeeded)));
        var gpuSucceeded = Plan(playbook, States(("source", TaskState.Succeeded), ("gpu", TaskState.Succeeded)));

        Assert.Empty(whileCpuRuns);
        Assert.Equal(new Dictionary<string, string> { ["publish"] = "ready", ["give_up"] = "skip:trigger_rule" }, cpuSucceeded);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "skip:trigger_rule", ["publish"] = "ready", ["give_up"] = "skip:trigger_rule" }, gpuSucceeded);
    }

    [Fact]
    public void Plan_LoadedPlaybook_FollowsItsNeedsAndRules()
    {
        var loaded = PlaybookLoader.Load("""
            name: planned
            tasks:
              extract:
                steps: [{ uses: noop }]
              load:
                needs: [extract]
                steps: [{ uses: noop }]
              verify:
                needs: [load]
                steps: [{ uses: noop }]
              summary:
                needs: [extract, verify]
                trigger_rule: all_done
                steps: [{ uses: noop }]
              cleanup:
                needs: [load]
                trigger_rule: none_failed
                steps: [{ uses: noop }]
            """, "planned.yaml");
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        var planner = new RunPlanner(loaded.Playbook!);

        var plan = planner.Plan(States(("extract", TaskState.TimedOut))).ToDictionary(d => d.Task, d => Describe(d));

        Assert.Equal(["extract", "load", "verify", "summary", "cleanup"], planner.Order.ToArray());
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["load"] = "skip:upstream_failed",
                ["verify"] = "skip:upstream_skipped",
                ["summary"] = "ready",
                ["cleanup"] = "ready",
            },
            plan);
    }

    [Fact]
    public void Constructor_GraphWithCycle_Throws()
    {
        var playbook = Playbook(Task("a", "b"), Task("b", "a"));

        var error = Assert.Throws<InvalidOperationException>(() => new RunPlanner(playbook));

        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SkipReason.UpstreamFailed, "upstream_failed")]
    [InlineData(SkipReason.UpstreamSkipped, "upstream_skipped")]
    [InlineData(SkipReason.TriggerRule, "trigger_rule")]
    [InlineData(SkipReason.Condition, "condition")]
    public void SkipReasonName_EveryReason_IsSnakeCase(SkipReason reason, string name)
    {
        Assert.Equal(name, reason.Name());
    }

    [Theory]
    [InlineData(TaskState.Pending, "pending", false, false)]
    [InlineData(TaskState.Queued, "queued", false, false)]
    [InlineData(TaskState.Running, "running", false, false)]
    [InlineData(TaskState.Succeeded, "succeeded", true, false)]
    [InlineData(TaskState.Failed, "failed", true, true)]
    [InlineData(TaskState.Skipped, "skipped", true, false)]
    [InlineData(TaskState.Cancelled, "cancelled", true, true)]
    [InlineData(TaskState.TimedOut, "timed_out", true, true)]
    public void TaskStates_EveryState_NameFinalAndFailure(TaskState state, string name, bool final, bool failure)
    {
        Assert.Equal(name, state.Name());
        Assert.Equal(final, state.IsFinal());
        Assert.Equal(failure, state.IsFailure());
    }
}
