using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class ModelTests
{
    [Fact]
    public void Load_MinimalPlaybook_GetsDefaults()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                  - uses: log
            """);
        Assert.Equal("demo", playbook.Name);
        Assert.Equal(FileName, playbook.File);
        Assert.Null(playbook.Description);
        Assert.Null(playbook.Owner);
        Assert.Empty(playbook.Labels);
        Assert.Empty(playbook.Params);
        Assert.Null(playbook.Concurrency);
        Assert.Null(playbook.Timeout);
        Assert.False(playbook.FailFast);
        Assert.Same(StepDefaults.None, playbook.Defaults);
        Assert.Empty(playbook.Outputs);
        Assert.Equal(64, playbook.Version.Length);

        var task = Assert.Single(playbook.Tasks);
        Assert.Equal("a", task.Id);
        Assert.Equal(TriggerRule.AllSuccess, task.TriggerRule);
        Assert.Empty(task.Needs);
        Assert.Empty(task.Upstream);
        Assert.Null(task.If);
        Assert.False(task.IsForeach);
        Assert.Null(task.MaxParallel);
        Assert.Null(task.Worker);
        Assert.Null(task.Timeout);
        Assert.Null(task.Retry);
        Assert.Empty(task.Outputs);
        Assert.Equal(new SourcePosition(3, 3), task.Position);

        Assert.Equal(["step-1", "step-2"], task.Steps.Select(s => s.Id));
        var step = task.Steps[0];
        Assert.Equal("noop", step.Uses);
        Assert.Null(step.UsesVersion);
        Assert.Null(step.With);
        Assert.Null(step.If);
        Assert.Null(step.Retry);
        Assert.Null(step.Timeout);
        Assert.False(step.ContinueOnError);
        Assert.Null(step.Worker);
        Assert.Equal(new SourcePosition(5, 9), step.Position);
    }

    [Fact]
    public void Load_UnnamedStepsBetweenNamedOnes_AreNumberedByPosition()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: fetch
                    uses: http
                  - uses: shell
                  - id: done
                    uses: log
                  - uses: noop
            """);
        Assert.Equal(["fetch", "step-2", "done", "step-4"], playbook.Tasks[0].Steps.Select(s => s.Id));
    }

    [Theory]
    [InlineData("all_success", TriggerRule.AllSuccess)]
    [InlineData("all_done", TriggerRule.AllDone)]
    [InlineData("all_failed", TriggerRule.AllFailed)]
    [InlineData("one_failed", TriggerRule.OneFailed)]
    [InlineData("one_success", TriggerRule.OneSuccess)]
    [InlineData("none_failed", TriggerRule.NoneFailed)]
    public void Load_TriggerRule_MapsToEnum(string text, TriggerRule expected)
    {
        var playbook = Valid($"name: demo\ntasks:\n  a:\n    trigger_rule: {text}\n    steps:\n      - uses: noop\n");
        Assert.Equal(expected, playbook.Tasks[0].TriggerRule);
    }

    [Theory]
    [InlineData("http@1.2", "http", "1.2")]
    [InlineData("render-report@2", "render-report", "2")]
    [InlineData("shell", "shell", null)]
    public void Load_UsesWithVersion_SplitsNameAndVersion(string uses, string name, string? version)
    {
        var step = Valid($"name: demo\ntasks:\n  a:\n    worker: q\n    steps:\n      - uses: {uses}\n").Tasks[0].Steps[0];
        Assert.Equal(name, step.Uses);
        Assert.Equal(version, step.UsesVersion);
    }

    [Fact]
    public void Load_BuiltInPluginWithVersion_IsKnownByName()
    {
        var step = Valid("name: demo\ntasks:\n  a:\n    steps:\n      - uses: http@1\n").Tasks[0].Steps[0];
        Assert.Equal("http", step.Uses);
        Assert.Equal("1", step.UsesVersion);
    }

    [Fact]
    public void Load_RetryShorthand_IsAttemptsWithDefaultDelayAndBackoff()
    {
        var retry = Valid($"name: demo\ndefaults:\n  retry: 3\n{OneTask}").Defaults.Retry;
        Assert.Equal(new RetryPolicy(3, TimeSpan.FromSeconds(1), 2.0, null), retry);
    }

    [Fact]
    public void Load_RetryMappingWithOnlyAttempts_GetsDefaultDelayAndBackoff()
    {
        var retry = Valid($"name: demo\ndefaults:\n  retry: {{ attempts: 4 }}\n{OneTask}").Defaults.Retry;
        Assert.Equal(new RetryPolicy(4, TimeSpan.FromSeconds(1), 2.0, null), retry);
    }

    [Fact]
    public void Load_EmptyRetryMapping_IsOneAttempt()
    {
        var retry = Valid($"name: demo\ndefaults:\n  retry: {{}}\n{OneTask}").Defaults.Retry;
        Assert.Equal(new RetryPolicy(1, TimeSpan.FromSeconds(1), 2.0, null), retry);
    }

    [Fact]
    public void Load_FullRetry_KeepsEveryField()
    {
        var retry = Valid($"name: demo\ndefaults:\n  retry: {{ attempts: 5, delay: 500ms, backoff: 1.5, max_delay: 1m }}\n  timeout: 10m\n{OneTask}").Defaults;
        Assert.Equal(new RetryPolicy(5, TimeSpan.FromMilliseconds(500), 1.5, TimeSpan.FromMinutes(1)), retry.Retry);
        Assert.Equal(TimeSpan.FromMinutes(10), retry.Timeout);
    }

    private const string Layered = """
        name: demo
        defaults:
          retry: { attempts: 2 }
          timeout: 10m
        tasks:
          plain:
            steps:
              - uses: noop
          task_level:
            retry: 3
            timeout: 1m
            steps:
              - id: inherits
                uses: noop
              - id: own
                uses: noop
                retry: { attempts: 4, delay: 5s }
                timeout: 30s
        """;

    [Fact]
    public void EffectiveRetryAndTimeout_StepWithNothing_FallsBackToDefaults()
    {
        var playbook = Valid(Layered);
        var task = playbook.FindTask("plain")!;
        Assert.Equal(2, playbook.EffectiveRetry(task, task.Steps[0]).Attempts);
        Assert.Equal(TimeSpan.FromMinutes(10), playbook.EffectiveTimeout(task, task.Steps[0]));
    }

    [Fact]
    public void EffectiveRetryAndTimeout_TaskSetsThem_TaskWinsOverDefaults()
    {
        var playbook = Valid(Layered);
        var task = playbook.FindTask("task_level")!;
        Assert.Equal(3, playbook.EffectiveRetry(task, task.Steps[0]).Attempts);
        Assert.Equal(TimeSpan.FromMinutes(1), playbook.EffectiveTimeout(task, task.Steps[0]));
    }

    [Fact]
    public void EffectiveRetryAndTimeout_StepSetsThem_StepWins()
    {
        var playbook = Valid(Layered);
        var task = playbook.FindTask("task_level")!;
        var step = task.Steps[1];
        Assert.Equal(new RetryPolicy(4, TimeSpan.FromSeconds(5), 2.0, null), playbook.EffectiveRetry(task, step));
        Assert.Equal(TimeSpan.FromSeconds(30), playbook.EffectiveTimeout(task, step));
    }

    [Fact]
    public void EffectiveRetryAndTimeout_NothingAnywhere_IsOneAttemptAndNoTimeout()
    {
        var playbook = Valid($"name: demo\n{OneTask}");
        var task = playbook.Tasks[0];
        Assert.Same(RetryPolicy.None, playbook.EffectiveRetry(task, task.Steps[0]));
        Assert.Equal(1, RetryPolicy.None.Attempts);
        Assert.Null(playbook.EffectiveTimeout(task, task.Steps[0]));
    }

    [Fact]
    public void EffectiveWorker_StepOrTask_StepWins()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                worker: cpu
                steps:
                  - uses: render
                  - uses: thumbnail
                    worker: gpu
              b:
                steps:
                  - uses: noop
            """);
        var a = playbook.FindTask("a")!;
        Assert.Equal("cpu", Playbook.EffectiveWorker(a, a.Steps[0]));
        Assert.Equal("gpu", Playbook.EffectiveWorker(a, a.Steps[1]));
        var b = playbook.FindTask("b")!;
        Assert.Null(Playbook.EffectiveWorker(b, b.Steps[0]));
        Assert.Null(playbook.FindTask("missing"));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 0)]
    [InlineData(2, 1_000)]
    [InlineData(3, 2_000)]
    [InlineData(4, 4_000)]
    [InlineData(5, 8_000)]
    public void DelayBefore_Backoff_GrowsGeometrically(int attempt, long milliseconds)
    {
        var policy = new RetryPolicy(10, TimeSpan.FromSeconds(1), 2.0, null);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), policy.DelayBefore(attempt));
    }

    [Theory]
    [InlineData(2, 1_000)]
    [InlineData(4, 4_000)]
    [InlineData(5, 5_000)]
    [InlineData(30, 5_000)]
    [InlineData(5000, 5_000)]
    public void DelayBefore_MaxDelay_CapsTheWait(int attempt, long milliseconds)
    {
        var policy = new RetryPolicy(10_000, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), policy.DelayBefore(attempt));
    }

    [Fact]
    public void DelayBefore_NoCapAndHugeAttempt_DoesNotOverflow()
    {
        var policy = new RetryPolicy(10_000, TimeSpan.FromSeconds(1), 100, null);
        Assert.Equal(TimeSpan.MaxValue, policy.DelayBefore(5000));
    }

    [Fact]
    public void DelayBefore_BackoffOne_KeepsTheDelay()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(3), 1.0, null);
        Assert.Equal(TimeSpan.FromSeconds(3), policy.DelayBefore(2));
        Assert.Equal(TimeSpan.FromSeconds(3), policy.DelayBefore(5));
    }

    [Fact]
    public void Load_FullPlaybook_KeepsEverySetting()
    {
        var playbook = Valid(
            """
            name: covid-daily
            description: Daily counts.
            owner: data-platform
            labels: { domain: health, tier: "1" }
            params:
              countries: { type: list, default: [DE, FR] }
            concurrency: 2
            timeout: 2h
            fail_fast: true
            tasks:
              extract:
                foreach: "${{ params.countries }}"
                max_parallel: 2
                steps:
                  - id: fetch
                    uses: http
                    with: { url: "https://x/${{ item }}" }
                outputs:
                  body: "${{ steps.fetch.output.body }}"
              freshness:
                needs:
                  - { playbook: population-import, task: load, within: 24h, wait: 1h }
                steps:
                  - uses: log
              report:
                needs: [extract, freshness]
                steps:
                  - uses: noop
                    continue_on_error: true
                    description: always fine
            outputs:
              n: "${{ tasks.extract.outputs.length }}"
            """);
        Assert.Equal("Daily counts.", playbook.Description);
        Assert.Equal("data-platform", playbook.Owner);
        Assert.Equal("health", playbook.Labels["domain"]);
        Assert.Equal("1", playbook.Labels["tier"]);
        Assert.Equal(2, playbook.Concurrency);
        Assert.Equal(TimeSpan.FromHours(2), playbook.Timeout);
        Assert.True(playbook.FailFast);

        var extract = playbook.FindTask("extract")!;
        Assert.True(extract.IsForeach);
        Assert.Equal(2, extract.MaxParallel);
        Assert.IsType<TemplateValue>(extract.Foreach);
        Assert.Equal("body", Assert.Single(extract.Outputs).Name);

        var upstream = Assert.Single(playbook.FindTask("freshness")!.Upstream);
        Assert.Equal(new UpstreamNeed("population-import", "load", TimeSpan.FromHours(24), TimeSpan.FromHours(1), new SourcePosition(22, 9)), upstream);

        var report = playbook.FindTask("report")!;
        Assert.Equal(["extract", "freshness"], report.Needs.Select(n => n.Task));
        Assert.Equal(new SourcePosition(26, 13), report.Needs[0].Position);
        Assert.True(report.Steps[0].ContinueOnError);
        Assert.Equal("always fine", report.Steps[0].Description);
        Assert.Equal("n", Assert.Single(playbook.Outputs).Name);
    }

    [Fact]
    public void Load_CrossPlaybookNeedWithoutWait_WaitsZero()
    {
        var need = Assert.Single(Valid(
            """
            name: demo
            tasks:
              a:
                needs:
                  - { playbook: other, task: load, within: 1d }
                steps:
                  - uses: noop
            """).Tasks[0].Upstream);
        Assert.Equal(TimeSpan.Zero, need.Wait);
        Assert.Equal(TimeSpan.FromDays(1), need.Within);
    }

    [Fact]
    public void Load_NeedsAsSingleText_IsOneNeed()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
              b:
                needs: a
                steps:
                  - uses: noop
            """);
        Assert.Equal("a", Assert.Single(playbook.FindTask("b")!.Needs).Task);
    }

    [Fact]
    public void Load_WithWithoutExpressions_IsOneLiteral()
    {
        var step = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    with: { n: 1, flag: true, list: [a, "2"], nothing: null }
            """).Tasks[0].Steps[0];
        var literal = Assert.IsType<LiteralValue>(step.With);
        Assert.Equal("{\"n\":1,\"flag\":true,\"list\":[\"a\",\"2\"],\"nothing\":null}", literal.Value!.ToJsonString());
    }

    [Fact]
    public void Load_WithExpressionsAtDepth_KeepsTemplatesWhereTheyAre()
    {
        var step = Valid(
            """
            name: demo
            params:
              n: { type: int, default: 3 }
            tasks:
              a:
                steps:
                  - uses: noop
                    with:
                      fixed: 1
                      nested: { list: [x, "${{ params.n }}"] }
            """).Tasks[0].Steps[0];
        var map = Assert.IsType<MapValue>(step.With);
        Assert.IsType<LiteralValue>(map["fixed"]);
        var nested = Assert.IsType<MapValue>(map["nested"]);
        var list = Assert.IsType<ListValue>(nested["list"]);
        Assert.IsType<LiteralValue>(list.Items[0]);
        var template = Assert.IsType<TemplateValue>(list.Items[1]);
        Assert.NotNull(template.Template.WholeExpression);
        Assert.Equal(new SourcePosition(10, 31), template.Position);
    }

    [Fact]
    public void Load_EscapedExpression_IsLiteralText()
    {
        var step = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    with:
                      footer: "Page $${{ page }} of $${{ pages }}"
                      raw: $${{ not closed
            """).Tasks[0].Steps[0];
        var literal = Assert.IsType<LiteralValue>(step.With);
        var value = Assert.IsType<JsonObject>(literal.Value);
        Assert.Equal("Page ${{ page }} of ${{ pages }}", (string?)value["footer"]);
        Assert.Equal("${{ not closed", (string?)value["raw"]);
    }

    [Fact]
    public void Load_EscapedAndRealExpressionTogether_KeepsBoth()
    {
        var step = Valid(
            """
            name: demo
            params:
              n: int
            tasks:
              a:
                steps:
                  - uses: noop
                    with:
                      text: "$${{ literal }} and ${{ params.n }}"
            """).Tasks[0].Steps[0];
        var map = Assert.IsType<MapValue>(step.With);
        var template = Assert.IsType<TemplateValue>(map["text"]).Template;
        Assert.Equal("${{ literal }} and ", template.Segments[0].Text);
        Assert.Single(template.Expressions);
    }
}
