using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Runs;

/// <summary>Secrets reach the step that uses them and appear nowhere else: snapshots and events show <c>***</c>.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class SecretTests(WorkflowClusterFixture fixture)
{
    private const string Playbook = """
        name: runs-secrets
        tasks:
          use:
            if: "${{ secrets.API_TOKEN.length > 0 }}"
            steps:
              - id: show
                uses: shell
                with:
                  env: { TOKEN: "${{ secrets.API_TOKEN }}", PASS: "${{ secrets.DB_PASSWORD }}" }
                  run: |
                    printf %s "$TOKEN" | sha256sum | cut -c1-64
                    printf %s "$PASS" | sha256sum | cut -c1-64
                    echo "token=$TOKEN"
                    echo "pass=$PASS"
                    echo "pass again=$PASS" >&2
              - id: header
                uses: noop
                with: { authorization: "Bearer ${{ secrets.API_TOKEN }}", raw: "${{ secrets.DB_PASSWORD }}" }
              - id: fails
                uses: shell
                continue_on_error: true
                with:
                  env: { PASS: "${{ secrets.DB_PASSWORD }}" }
                  run: echo "could not log in with $PASS" >&2; exit 1
              - id: bad_expression
                uses: noop
                continue_on_error: true
                with: { v: "${{ null[secrets.API_TOKEN] }}" }
            outputs:
              stdout: "${{ steps.show.output.stdout }}"
              header: "${{ steps.header.output.authorization }}"
          downstream:
            needs: [use]
            steps:
              - uses: noop
                with: { got: "${{ tasks.use.outputs.header }}" }
        outputs:
          header: "${{ tasks.use.outputs.header }}"
          stdout: "${{ tasks.use.outputs.stdout }}"
        """;

    private static Task<(RunSnapshot Snapshot, IReadOnlyList<RunEvent> Events)>? s_run;

    private Task<(RunSnapshot Snapshot, IReadOnlyList<RunEvent> Events)> RunAsync() => s_run ??= fixture.RunWatchedAsync(Playbook);

    [Fact]
    public async Task Run_SecretsInStepInput_ReachTheShellStep()
    {
        var (snapshot, _) = await RunAsync();

        Assert.True(snapshot.Status == WorkStatus.Succeeded, snapshot.Show());
        var stdout = snapshot.Task("use").Step("show").Output()!["stdout"]!.GetValue<string>().Split('\n');
        Assert.Equal(Sha256(WorkflowClusterFixture.SecretValue), stdout[0]);
        Assert.Equal(Sha256(WorkflowClusterFixture.FileSecretValue), stdout[1]);
    }

    [Fact]
    public async Task Run_SecretsInOutputsAndErrors_ShownAsStars()
    {
        var (snapshot, _) = await RunAsync();

        var use = snapshot.Task("use");
        var show = use.Step("show").Output()!;
        Assert.Contains("token=***\n", show["stdout"]!.GetValue<string>());
        Assert.Contains("pass=***\n", show["stdout"]!.GetValue<string>());
        Assert.Contains("pass again=***", show["stderr"]!.GetValue<string>());
        Assert.Equal("Bearer ***", use.Step("header").Output()!["authorization"]!.GetValue<string>());
        Assert.Equal("***", use.Step("header").Output()!["raw"]!.GetValue<string>());
        Assert.Equal(WorkStatus.Failed, use.Step("fails").Status);
        Assert.Contains("could not log in with ***", use.Step("fails").Error);
        Assert.Equal(WorkStatus.Failed, use.Step("bad_expression").Status);
        Assert.Contains("***", use.Step("bad_expression").Error); // the JavaScript error quotes the value it could not read
        Assert.Equal("Bearer ***", snapshot.Outputs()!["header"]!.GetValue<string>());
        Assert.Equal("Bearer ***", snapshot.Task("downstream").Outputs()!["got"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_Secrets_NeverInTheSnapshotJson()
    {
        var (snapshot, _) = await RunAsync();

        var json = RunSnapshotJson.ToJson(snapshot).ToJsonString();
        AssertClean(json, "snapshot");
        Assert.Contains("***", json);

        // Read it again from the grains, as a later `owf status` would.
        AssertClean(RunSnapshotJson.ToJson(await fixture.Client.GetSnapshotAsync(snapshot.Id)).ToJsonString(), "snapshot read again");
    }

    [Fact]
    public async Task Run_Secrets_NeverInAnyEvent()
    {
        var (_, events) = await RunAsync();

        Assert.Contains(events, e => e.Kind == RunEventKind.StepLog && e.Message == "token=***");
        Assert.Contains(events, e => e.Kind == RunEventKind.StepLog && e.Message == "pass=***");
        foreach (var e in events)
        {
            AssertClean(JsonSerializer.Serialize(e), $"event {RunKit.Describe(e)}");
        }
    }

    private static void AssertClean(string text, string where)
    {
        Assert.False(text.Contains(WorkflowClusterFixture.SecretValue, StringComparison.Ordinal), $"the config secret leaked into the {where}: {text}");
        Assert.False(text.Contains(WorkflowClusterFixture.FileSecretValue, StringComparison.Ordinal), $"the file secret leaked into the {where}: {text}");
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
