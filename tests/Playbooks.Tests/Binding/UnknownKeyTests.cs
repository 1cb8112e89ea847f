using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class UnknownKeyTests
{
    [Fact]
    public void Load_MisspeltPlaybookKey_ReportsKeyWithHint()
    {
        var diagnostic = SingleError(
            """
            name: demo
            taks: {}
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            2, 1, "unknown key 'taks' in playbook", "(did you mean 'tasks'?)", "allowed: name, description");
        Assert.Equal("test.yaml:2:1: error: " + diagnostic.Message, diagnostic.ToString());
    }

    [Fact]
    public void Load_MisspeltParamKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            params:
              p: { type: int, defualt: 3 }
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            3, 19, "unknown key 'defualt' in param 'p'", "(did you mean 'default'?)", "allowed: type, default, options, description");
    }

    [Fact]
    public void Load_MisspeltOnKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            on:
              schedul: []
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            3, 3, "unknown key 'schedul' in on", "(did you mean 'schedule'?)", "allowed: schedule, events, after");
    }

    [Fact]
    public void Load_MisspeltScheduleKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            on:
              schedule:
                - cron: "0 2 * * *"
                  timzone: UTC
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            5, 7, "unknown key 'timzone' in schedule", "(did you mean 'timezone'?)", "allowed: cron, timezone");
    }

    [Fact]
    public void Load_MisspeltAfterKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            on:
              after:
                - { playbook: other, stats: failed }
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            4, 26, "unknown key 'stats' in on.after entry", "(did you mean 'status'?)", "allowed: playbook, status");
    }

    [Fact]
    public void Load_MisspeltDefaultsKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            defaults:
              timeot: 5m
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            3, 3, "unknown key 'timeot' in defaults", "(did you mean 'timeout'?)", "allowed: retry, timeout");
    }

    [Fact]
    public void Load_MisspeltRetryKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            defaults:
              retry: { attempts: 3, dealy: 1s }
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            3, 25, "unknown key 'dealy' in retry", "(did you mean 'delay'?)", "allowed: attempts, delay, backoff, max_delay");
    }

    [Fact]
    public void Load_MisspeltStepRetryKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    retry:
                      atempts: 3
            """,
            7, 11, "unknown key 'atempts' in retry", "(did you mean 'attempts'?)");
    }

    [Fact]
    public void Load_MisspeltTaskKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                need: []
                steps:
                  - uses: noop
            """,
            4, 5, "unknown key 'need' in task 'a'", "(did you mean 'needs'?)", "allowed: needs, if, trigger_rule");
    }

    [Fact]
    public void Load_MisspeltCrossPlaybookNeedKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs:
                  - { playbook: other, task: load, within: 1h, wiat: 1h }
                steps:
                  - uses: noop
            """,
            5, 52, "unknown key 'wiat' in task 'a' cross-playbook need", "(did you mean 'wait'?)", "allowed: playbook, task, within, wait");
    }

    [Fact]
    public void Load_MisspeltStepKey_ReportsKeyWithHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    wiht: {}
            """,
            6, 9, "unknown key 'wiht' in step 'step-1' of task 'a'", "(did you mean 'with'?)", "allowed: id, uses, with");
    }

    [Fact]
    public void Load_UnknownStepKeyFarFromAnyKnown_ReportsKeyWithoutHint()
    {
        var diagnostic = SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: fetch
                    uses: noop
                    zzzzzzz: 1
            """,
            7, 9, "unknown key 'zzzzzzz' in step 'fetch' of task 'a'", "allowed:");
        Assert.DoesNotContain("did you mean", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyDifferingOnlyInCase_ReportsKeyWithHintAndMissingKey()
    {
        var diagnostics = Errors(
            """
            name: demo
            Tasks:
              a:
                steps:
                  - uses: noop
            """);
        Assert.Equal(2, diagnostics.Count);
        HasError(diagnostics, 1, 1, "playbook has no 'tasks'");
        HasError(diagnostics, 2, 1, "unknown key 'Tasks' in playbook", "(did you mean 'tasks'?)");
    }

    [Fact]
    public void Load_UnknownKeysAtSeveralLevels_ReportsEach()
    {
        var diagnostics = Errors(
            """
            name: demo
            ownr: team
            tasks:
              a:
                trigger_rul: all_done
                steps:
                  - uses: noop
                    timout: 5m
            """);
        Assert.Equal(3, diagnostics.Count);
        HasError(diagnostics, 2, 1, "unknown key 'ownr' in playbook", "(did you mean 'owner'?)");
        HasError(diagnostics, 5, 5, "unknown key 'trigger_rul' in task 'a'", "(did you mean 'trigger_rule'?)");
        HasError(diagnostics, 8, 9, "unknown key 'timout' in step 'step-1' of task 'a'", "(did you mean 'timeout'?)");
    }
}
