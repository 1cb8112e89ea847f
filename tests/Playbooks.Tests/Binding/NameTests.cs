using Orleans.Workflow.Playbooks.Binding;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class NameTests
{
    [Theory]
    [InlineData("Demo")]
    [InlineData("-demo")]
    [InlineData("my demo")]
    [InlineData("demo/x")]
    public void Load_BadPlaybookName_ReportsRule(string name)
    {
        SingleError($"name: \"{name}\"\n{OneTask}", 1, 7, $"playbook name '{name}' is invalid", Names.PlaybookRule);
    }

    [Fact]
    public void Load_EmptyPlaybookName_ReportsRule()
    {
        SingleError($"name: \"\"\n{OneTask}", 1, 7, "playbook name '' is invalid", Names.PlaybookRule);
    }

    [Fact]
    public void Load_NullPlaybookName_ReportsExpectedText()
    {
        SingleError($"name: ~\n{OneTask}", 1, 7, "'name': expected text, found null");
    }

    [Fact]
    public void Load_PlaybookNameOf101Characters_ReportsRule()
    {
        var name = new string('a', 101);
        SingleError($"name: {name}\n{OneTask}", 1, 7, "playbook name", "is invalid", "at most 100 characters");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("0day")]
    [InlineData("covid-daily.v2_final")]
    public void Load_GoodPlaybookName_IsAccepted(string name)
    {
        Assert.Equal(name, Valid($"name: {name}\n{OneTask}").Name);
    }

    [Theory]
    [InlineData("1a")]
    [InlineData("a.b")]
    [InlineData("-a")]
    public void Load_BadTaskId_ReportsRule(string id)
    {
        SingleError(
            $"""
            name: demo
            tasks:
              {id}:
                steps:
                  - uses: noop
            """,
            3, 3, $"task id '{id}' is invalid", Names.IdRule);
    }

    [Fact]
    public void Load_TaskIdOf65Characters_ReportsRule()
    {
        var id = new string('t', 65);
        SingleError($"name: demo\ntasks:\n  {id}:\n    steps:\n      - uses: noop\n", 3, 3, $"task id '{id}' is invalid", "at most 64 characters");
    }

    [Fact]
    public void Load_TaskIdsWithUnderscoreDashAndCase_AreAccepted()
    {
        var playbook = Valid("name: demo\ntasks:\n  _Load-2:\n    steps:\n      - uses: noop\n");
        Assert.Equal("_Load-2", playbook.Tasks[0].Id);
    }

    [Fact]
    public void Load_BadStepId_ReportsRule()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: fetch.data
                    uses: noop
            """,
            5, 13, "step id 'fetch.data' is invalid", Names.IdRule);
    }

    [Theory]
    [InlineData("run-date")]
    [InlineData("1st")]
    [InlineData("a.b")]
    public void Load_BadParamName_ReportsRule(string name)
    {
        SingleError($"name: demo\nparams:\n  {name}: string\n{OneTask}", 3, 3, $"param name '{name}' is invalid", Names.ParamRule);
    }

    [Fact]
    public void Load_BadTaskWorkerQueue_ReportsRule()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                worker: "bad queue"
                steps:
                  - uses: noop
            """,
            4, 13, "task 'a': worker queue 'bad queue' is invalid", Names.QueueRule);
    }

    [Fact]
    public void Load_BadStepWorkerQueue_ReportsRule()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    worker: -q
            """,
            6, 17, "step 'step-1' of task 'a': worker queue '-q' is invalid", Names.QueueRule);
    }

    [Theory]
    [InlineData("http@")]
    [InlineData("http@1@2")]
    [InlineData("my plugin")]
    public void Load_MalformedPluginReference_ReportsRule(string uses)
    {
        var diagnostics = Errors(
            $"""
            name: demo
            tasks:
              a:
                steps:
                  - uses: "{uses}"
                    worker: q
            """);
        var diagnostic = Assert.Single(diagnostics);
        AssertDiagnostic(diagnostic, 5, 15, $"plugin '{uses}' is invalid", Names.PluginRule);
    }

    [Fact]
    public void Load_PluginStartingWithDigit_ReportsRuleAndUnknownPlugin()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: 1http
            """);
        HasError(diagnostics, 5, 15, "plugin '1http' is invalid", Names.PluginRule);
        HasError(diagnostics, 5, 9, "uses unknown plugin '1http'", "(did you mean 'http'?)");
    }

    [Fact]
    public void Load_BadEventName_ReportsRule()
    {
        SingleError($"name: demo\non:\n  events: [\"bad event\"]\n{OneTask}", 3, 12, "event name 'bad event' is invalid", Names.EventRule);
    }

    [Fact]
    public void Load_EventNameWithColonAndDots_IsAccepted()
    {
        var playbook = Valid($"name: demo\non:\n  events: [orders:created.v1, x]\n{OneTask}");
        Assert.Equal(new[] { "orders:created.v1", "x" }, playbook.On.Events);
    }

    [Fact]
    public void Load_SingleEventAsText_IsOneItemList()
    {
        var playbook = Valid($"name: demo\non:\n  events: countries.updated\n{OneTask}");
        Assert.Equal(new[] { "countries.updated" }, playbook.On.Events);
    }

    [Fact]
    public void Load_BadOutputNames_ReportsTaskAndRunOutputs()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                outputs:
                  my.out: "${{ 1 }}"
            outputs:
              "bad name": 1
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 7, 7, "output name 'my.out' is invalid", Names.IdRule);
        AssertDiagnostic(diagnostics[1], 9, 3, "output name 'bad name' is invalid");
    }

    [Fact]
    public void Load_BadAfterPlaybookName_ReportsRule()
    {
        SingleError($"name: demo\non:\n  after:\n    - playbook: Other\n{OneTask}", 4, 17, "playbook name 'Other' is invalid", Names.PlaybookRule);
    }

    [Fact]
    public void Load_BadCrossPlaybookNeedNames_ReportsBoth()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                needs:
                  - { playbook: Other, task: 1x, within: 1h }
                steps:
                  - uses: noop
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 5, 21, "playbook name 'Other' is invalid");
        AssertDiagnostic(diagnostics[1], 5, 34, "task id '1x' is invalid");
    }

    [Theory]
    [InlineData("http", true)]
    [InlineData("render-report@2", true)]
    [InlineData("my.plugin_x@1.2.3-beta", true)]
    [InlineData("1http", false)]
    [InlineData("http@", false)]
    [InlineData("http@a b", false)]
    public void IsPluginReference_Samples_MatchRule(string name, bool expected)
    {
        Assert.Equal(expected, Names.IsPluginReference(name));
    }
}
