using Orleans.Workflow.Runs;
using Orleans.Workflow.Client;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Grains.Tests.Runs;

namespace Orleans.Workflow.Grains.Tests.Registry;

/// <summary>Versions (new content, new version; same content, no-op), listing, enable/disable, diff.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class PlaybookRegistryTests(WorkflowClusterFixture fixture)
{
    private static string Yaml(string name, string greeting) => $$"""
        name: {{name}}
        tasks:
          only:
            steps:
              - id: say
                uses: log
                with: { message: "{{greeting}}" }
        """;

    [Fact]
    public async Task Register_NewContentMakesAVersion_SameContentIsANoOp_VersionsAreNumbered()
    {
        var client = fixture.Client;
        var v1 = await client.RegisterPlaybookAsync("registry-versions", Yaml("registry-versions", "hello"), "a.yaml");
        Assert.Equal(v1, await client.RegisterPlaybookAsync("registry-versions", Yaml("registry-versions", "hello"), "a.yaml"));
        var v2 = await client.RegisterPlaybookAsync("registry-versions", Yaml("registry-versions", "bonjour"), "a.yaml");
        Assert.NotEqual(v1, v2);

        var versions = await client.ListVersionsAsync("registry-versions");
        Assert.Equal([(1, v1, false), (2, v2, true)], versions.Select(v => (v.Number, v.Version, v.Current)));
        Assert.Contains("registry-versions", await client.ListPlaybooksAsync());
        var info = (await client.GetPlaybookAsync("registry-versions"))!;
        Assert.Equal((v2, 2, true), (info.Current, info.Versions, info.Enabled));
        Assert.Null(await client.GetPlaybookAsync("registry-nobody"));

        Assert.Contains("hello", (await client.GetPlaybookSourceAsync("registry-versions", "1"))!.Yaml, StringComparison.Ordinal);
        Assert.Contains("bonjour", (await client.GetPlaybookSourceAsync("registry-versions", v2[..8]))!.Yaml, StringComparison.Ordinal);
        Assert.Null(await client.GetPlaybookSourceAsync("registry-versions", "9"));

        var diff = PlaybookDiff.Unified(
            (await client.GetPlaybookSourceAsync("registry-versions", "1"))!.Yaml,
            (await client.GetPlaybookSourceAsync("registry-versions", "2"))!.Yaml,
            "registry-versions 1",
            "registry-versions 2");
        Assert.Equal(
            """
            --- registry-versions 1
            +++ registry-versions 2
            @@ -4,4 +4,4 @@
                 steps:
                   - id: say
                     uses: log
            -        with: { message: "hello" }
            +        with: { message: "bonjour" }

            """,
            diff);
    }

    [Fact]
    public async Task Disable_RefusesNewRunsWithAClearError_EnableAllowsThemAgain()
    {
        var client = fixture.Client;
        await client.RegisterPlaybookAsync("registry-disable", Yaml("registry-disable", "hi"), "d.yaml");
        Assert.Equal(ControlResult.Done("playbook 'registry-disable' disabled: it starts no runs until enabled"), await client.SetPlaybookEnabledAsync("registry-disable", false, "migration"));
        Assert.Equal(ControlResult.No("playbook 'registry-disable' is already disabled"), await client.SetPlaybookEnabledAsync("registry-disable", false));
        var refused = await Assert.ThrowsAsync<RunNotStartedException>(() => client.StartRunAsync("registry-disable"));
        Assert.Equal(["playbook 'registry-disable' is disabled, so it starts no runs (enable it: owf playbooks enable registry-disable)"], refused.Errors);
        Assert.Equal("migration", (await client.GetPlaybookAsync("registry-disable"))!.DisabledReason);

        Assert.Equal(ControlResult.Done("playbook 'registry-disable' enabled"), await client.SetPlaybookEnabledAsync("registry-disable", true));
        var runId = await client.StartRunAsync("registry-disable");
        Assert.Equal(Orleans.Workflow.Runs.WorkStatus.Succeeded, (await fixture.EndOfAsync(runId)).Status);
        Assert.Equal(ControlResult.Missing("playbook 'registry-nobody' is not registered"), await client.SetPlaybookEnabledAsync("registry-nobody", true));
    }
}
