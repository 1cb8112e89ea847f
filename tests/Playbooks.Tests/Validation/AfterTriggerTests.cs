using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class AfterTriggerTests
{
    [Fact]
    public void Load_AfterNamesItself_ReportsAtTheEntry()
    {
        SingleError("""
            name: loop
            on:
              after:
                - { playbook: loop, status: any }
            tasks:
              a:
                steps:
                  - uses: noop
            """, 4, 7, "on.after names this playbook itself ('loop')", "start the next one forever");
    }

    [Fact]
    public void Load_AfterNamesAnotherPlaybook_IsValid()
    {
        var loaded = PlaybookLoader.Load("""
            name: follower
            on:
              after:
                - { playbook: leader, status: [succeeded, failed] }
            tasks:
              a:
                steps:
                  - uses: noop
            """, "follower.yaml", Orleans.Workflow.Playbooks.Validation.PlaybookValidationOptions.Default);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        Assert.Equal(["leader"], loaded.Playbook!.On.After.Select(a => a.Playbook));
    }
}
