using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Planning;
using static Orleans.Workflow.Playbooks.Tests.Planning.PlanKit;

namespace Orleans.Workflow.Playbooks.Tests.Planning;

/// <summary>
/// Task <c>t</c> needs the upstream tasks u0, u1, ... whose states are given in short form
/// (S succeeded, F failed, T timed out, C cancelled, K skipped, R running, Q queued, P pending).
/// </summary>
public class TriggerRuleTests
{
    private static string Decide(TriggerRule rule, string upstream)
    {
        var needs = upstream.Select((_, i) => $"u{i}").ToArray();
        var states = upstream.Select((code, i) => ($"u{i}", State(code))).ToArray();
        var task = Task("t", rule, needs);

        var decision = RunPlanner.Decide(task, States(states));

        if (decision is not null)
        {
            Assert.Equal("t", decision.Task);
            Assert.Equal(decision.Kind == TaskDecisionKind.Skip, decision.Reason is not null);
        }

        // Plan must agree with Decide for the same states.
        var playbook = Playbook([.. needs.Select(n => Task(n)), task]);
        var planned = new RunPlanner(playbook).Plan(States(states)).SingleOrDefault(d => d.Task == "t");
        Assert.Equal(Describe(decision), Describe(planned));
        return Describe(decision);
    }

    [Theory]
    [InlineData("S", "ready")]
    [InlineData("SS", "ready")]
    [InlineData("SSS", "ready")]
    [InlineData("SR", "wait")]
    [InlineData("SQ", "wait")]
    [InlineData("SP", "wait")]
    [InlineData("R", "wait")]
    [InlineData("P", "wait")]
    [InlineData("F", "skip:upstream_failed")]
    [InlineData("T", "skip:upstream_failed")]
    [InlineData("C", "skip:upstream_failed")]
    [InlineData("SF", "skip:upstream_failed")]
    [InlineData("FR", "skip:upstream_failed")]
    [InlineData("PT", "skip:upstream_failed")]
    [InlineData("K", "skip:upstream_skipped")]
    [InlineData("SK", "skip:upstream_skipped")]
    [InlineData("KR", "skip:upstream_skipped")]
    [InlineData("KF", "skip:upstream_failed")]
    [InlineData("FK", "skip:upstream_failed")]
    public void Decide_AllSuccess_RunsOnlyWhenEveryUpstreamSucceeded(string upstream, string expected)
    {
        Assert.Equal(expected, Decide(TriggerRule.AllSuccess, upstream));
    }

    [Theory]
    [InlineData("S", "ready")]
    [InlineData("F", "ready")]
    [InlineData("T", "ready")]
    [InlineData("C", "ready")]
    [InlineData("K", "ready")]
    [InlineData("SF", "ready")]
    [InlineData("FF", "ready")]
    [InlineData("KC", "ready")]
    [InlineData("STFCK", "ready")]
    [InlineData("SR", "wait")]
    [InlineData("FQ", "wait")]
    [InlineData("KP", "wait")]
    [InlineData("R", "wait")]
    public void Decide_AllDone_RunsWhenEveryUpstreamEndedHoweverItEnded(string upstream, string expected)
    {
        Assert.Equal(expected, Decide(TriggerRule.AllDone, upstream));
    }

    [Theory]
    [InlineData("F", "ready")]
    [InlineData("FF", "ready")]
    [InlineData("FT", "ready")]
    [InlineData("TC", "ready")]
    [InlineData("S", "skip:trigger_rule")]
    [InlineData("FS", "skip:trigger_rule")]
    [InlineData("SR", "skip:trigger_rule")]
    [InlineData("K", "skip:trigger_rule")]
    [InlineData("FK", "skip:trigger_rule")]
    [InlineData("FR", "wait")]
    [InlineData("FP", "wait")]
    [InlineData("RQ", "wait")]
    public void Decide_AllFailed_RunsOnlyWhenEveryUpstreamFailed(string upstream, string expected)
    {
        Assert.Equal(expected, Decide(TriggerRule.AllFailed, upstream));
    }

    [Theory]
    [InlineData("F", "ready")]
    [InlineData("T", "ready")]
    [InlineData("C", "ready")]
    [InlineData("FR", "ready")]
    [InlineData("PT", "ready")]
    [InlineData("SC", "ready")]
    [InlineData("KF", "ready")]
    [InlineData("S", "skip:trigger_rule")]
    [InlineData("SS", "skip:trigger_rule")]
    [InlineData("SK", "skip:trigger_rule")]
    [InlineData("KK", "skip:trigger_rule")]
    [InlineData("SR", "wait")]
    [InlineData("KQ", "wait")]
    [InlineData("P", "wait")]
    public void Decide_OneFailed_RunsAtFirstFailure(string upstream, string expected)
    {
        Assert.Equal(expected, Decide(TriggerRule.OneFailed, upstream));
    }

    [Theory]
    [InlineData("S", "ready")]
    [InlineData("SR", "ready")]
    [InlineData("PS", "ready")]
    [InlineData("FS", "ready")]
    [InlineData("KS", "ready")]
    [InlineData("F", "skip:trigger_rule")]
    [InlineData("FF", "skip:trigger_rule")]
    [InlineData("FK", "skip:trigger_rule")]
    [InlineData("KK", "skip:trigger_rule")]
    [InlineData("TC", "skip:trigger_rule")]
    [InlineData("FR", "wait")]
    [InlineData("KQ", "wait")]
    [InlineData("PP", "wait")]
    public void Decide_OneSuccess_RunsAtFirstSuccess(string upstream, string expected)
    {
        Assert.Equal(expected, Decide(TriggerRule.OneSuccess, upstream));
    }

    [Theory]
    [InlineData("S", "ready")]
    [InlineData("SS", "ready")]
    [InlineData("SK", "ready")]
    [InlineData("K", "ready")]
    [InlineData("KK", "ready")]
    [InlineData("F", "skip:upstream_failed")]
    [InlineData("SF", "skip:upstream_failed")]
    [InlineData("FR", "skip:upstream_failed")]
    [InlineData("TK", "skip:upstream_failed")]
    [InlineData("CS", "skip:upstream_failed")]
    [InlineData("SR", "wait")]
    [InlineData("KP", "wait")]
    [InlineData("Q", "wait")]
    public void Decide_NoneFailed_RunsWhenAllEndedWithoutFailure(string upstream, string expected)
    {
        Assert.Equal(expected, Decide(TriggerRule.NoneFailed, upstream));
    }

    public static TheoryData<TriggerRule, string> EveryRuleAndPairOfStates()
    {
        var data = new TheoryData<TriggerRule, string>();
        foreach (var rule in Enum.GetValues<TriggerRule>())
        {
            foreach (var a in AllCodes)
            {
                foreach (var b in AllCodes)
                {
                    data.Add(rule, $"{a}{b}");
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryRuleAndPairOfStates))]
    public void Decide_EveryRuleAndStates_AgreesWithTheRuleDefinition(TriggerRule rule, string upstream)
    {
        var states = upstream.Select(State).ToList();
        var final = states.Where(s => s.IsFinal()).ToList();
        var allDone = final.Count == states.Count;
        var succeeded = final.Count(s => s == TaskState.Succeeded);
        var failed = final.Count(s => s.IsFailure());
        var skipped = final.Count(s => s == TaskState.Skipped);

        var expected = rule switch
        {
            TriggerRule.AllSuccess => failed > 0 ? "skip:upstream_failed" : skipped > 0 ? "skip:upstream_skipped" : succeeded == states.Count ? "ready" : "wait",
            TriggerRule.AllDone => allDone ? "ready" : "wait",
            TriggerRule.AllFailed => succeeded + skipped > 0 ? "skip:trigger_rule" : failed == states.Count ? "ready" : "wait",
            TriggerRule.OneFailed => failed > 0 ? "ready" : allDone ? "skip:trigger_rule" : "wait",
            TriggerRule.OneSuccess => succeeded > 0 ? "ready" : allDone ? "skip:trigger_rule" : "wait",
            TriggerRule.NoneFailed => failed > 0 ? "skip:upstream_failed" : allDone ? "ready" : "wait",
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };

        Assert.Equal(expected, Decide(rule, upstream));
    }

    [Theory]
    [InlineData(TriggerRule.AllSuccess)]
    [InlineData(TriggerRule.AllDone)]
    [InlineData(TriggerRule.AllFailed)]
    [InlineData(TriggerRule.OneFailed)]
    [InlineData(TriggerRule.OneSuccess)]
    [InlineData(TriggerRule.NoneFailed)]
    public void Decide_NoNeeds_ReadyUnderEveryRule(TriggerRule rule)
    {
        Assert.Equal("ready", Decide(rule, ""));
    }

    [Theory]
    [InlineData(TriggerRule.AllSuccess)]
    [InlineData(TriggerRule.AllDone)]
    [InlineData(TriggerRule.AllFailed)]
    [InlineData(TriggerRule.OneFailed)]
    [InlineData(TriggerRule.OneSuccess)]
    [InlineData(TriggerRule.NoneFailed)]
    public void Decide_UpstreamMissingFromStates_CountsAsPending(TriggerRule rule)
    {
        var decision = RunPlanner.Decide(Task("t", rule, "a", "b"), States(("a", TaskState.Running)));

        Assert.Null(decision);
    }

    [Fact]
    public void Decide_UpstreamFailed_DetailNamesFirstFailedUpstream()
    {
        var decision = RunPlanner.Decide(Task("t", "a", "b", "c"), States(("a", TaskState.Succeeded), ("b", TaskState.TimedOut), ("c", TaskState.Failed)));

        Assert.Equal(SkipReason.UpstreamFailed, decision!.Reason);
        Assert.Equal("upstream 'b' failed", decision.Detail);
    }

    [Fact]
    public void Decide_UpstreamSkipped_DetailNamesSkippedUpstream()
    {
        var decision = RunPlanner.Decide(Task("t", "a", "b"), States(("a", TaskState.Succeeded), ("b", TaskState.Skipped)));

        Assert.Equal("upstream 'b' was skipped", decision!.Detail);
    }

    [Theory]
    [InlineData(TriggerRule.AllFailed, "SF", "all_failed: upstream 'u0' succeeded")]
    [InlineData(TriggerRule.AllFailed, "FK", "all_failed: upstream 'u1' was skipped")]
    [InlineData(TriggerRule.OneFailed, "SK", "one_failed: no upstream failed")]
    [InlineData(TriggerRule.OneSuccess, "FK", "one_success: no upstream succeeded")]
    public void Decide_TriggerRuleSkip_DetailExplainsRule(TriggerRule rule, string upstream, string detail)
    {
        var needs = upstream.Select((_, i) => $"u{i}").ToArray();

        var decision = RunPlanner.Decide(Task("t", rule, needs), States([.. upstream.Select((c, i) => ($"u{i}", State(c)))]));

        Assert.Equal(SkipReason.TriggerRule, decision!.Reason);
        Assert.Equal(detail, decision.Detail);
    }
}
