using System.Text.Json.Nodes;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Runs;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>Plugins through the shared cluster: http against a real Kestrel server, shell as real processes.</summary>
[Collection(WorkflowClusterCollection.Name)]
public sealed class PluginEndToEndTests(WorkflowClusterFixture fixture, HttpTestServer server) : IClassFixture<HttpTestServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private async Task<RunSnapshot> RunAsync(string yaml, JsonObject parameters)
    {
        var name = await fixture.RegisterAsync(yaml);
        var runId = await fixture.Client.StartRunAsync(name, parameters);
        using var deadline = new CancellationTokenSource(Patience);
        return await fixture.Client.WaitForEndAsync(runId, deadline.Token);
    }

    private static StepSnapshot Step(RunSnapshot run, string task, string step) =>
        run.Tasks.Single(t => t.Id == task).Steps.Single(s => s.Id == step);

    [Fact]
    public async Task Run_HttpThenShellOnItsJson_PassesValuesAlongAndMasksTheSecret()
    {
        var run = await RunAsync(
            $$$"""
            name: plugins-e2e-http-shell
            params:
              base: string
              country: string
            tasks:
              fetch:
                steps:
                  - id: call
                    uses: http
                    with:
                      method: POST
                      url: "${{ params.base }}echo"
                      query: { country: "${{ params.country }}" }
                      headers: { X-Token: "${{ secrets.{{{WorkflowClusterFixture.SecretName}}} }}" }
                      json: { rows: [1, 2, 3] }
                  - id: parse
                    uses: shell
                    with:
                      run: cat
                      stdin: "${{ steps.call.output.json }}"
                outputs:
                  status: "${{ steps.call.output.status }}"
                  country: "${{ steps.parse.output.json.query.country }}"
                  method: "${{ steps.parse.output.json.method }}"
                  rows: "${{ JSON.parse(steps.parse.output.json.body).rows.length }}"
                  token: "${{ steps.call.output.json.headers['x-token'] }}"
            outputs:
              result: "${{ tasks.fetch.outputs }}"
            """,
            new JsonObject { ["base"] = server.BaseUri.ToString(), ["country"] = "DE" });

        Assert.True(run.Status == WorkStatus.Succeeded, $"run {run.Status}: {run.Error?.Message}");
        var result = JsonNode.Parse(run.OutputsJson!)!["result"]!;
        Assert.Equal(200, result["status"]!.GetValue<int>());
        Assert.Equal("DE", result["country"]!.GetValue<string>());
        Assert.Equal("POST", result["method"]!.GetValue<string>());
        Assert.Equal(3, result["rows"]!.GetValue<int>());
        Assert.Contains(WorkflowClusterFixture.SecretValue, server.Tokens);
        Assert.Equal("***", result["token"]!.GetValue<string>());
        Assert.DoesNotContain(WorkflowClusterFixture.SecretValue, Step(run, "fetch", "call").OutputJson!);
    }

    [Fact]
    public async Task Run_HttpStepAnswered500_FailsWithStatusAndKeepsTheResponse()
    {
        var run = await RunAsync(
            """
            name: plugins-e2e-http-500
            params:
              base: string
            tasks:
              call:
                steps:
                  - id: post
                    uses: http
                    retry: { attempts: 1 }
                    with: { url: "${{ params.base }}status/500" }
            """,
            new JsonObject { ["base"] = server.BaseUri.ToString() });

        Assert.Equal(WorkStatus.Failed, run.Status);
        var step = Step(run, "call", "post");
        Assert.Equal(WorkStatus.Failed, step.Status);
        Assert.Contains("answered 500", step.Error);
        Assert.Contains("answered 500", run.Error!.Message);
        Assert.Equal(500, JsonNode.Parse(step.OutputJson!)!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_HttpStepExpecting404InYaml_SucceedsOnA404()
    {
        var run = await RunAsync(
            """
            name: plugins-e2e-http-expect-404
            params:
              base: string
            tasks:
              probe:
                steps:
                  - id: missing
                    uses: http
                    retry: { attempts: 1 }
                    with:
                      url: "${{ params.base }}status/404"
                      expect: [404]
                  - id: either
                    uses: http
                    retry: { attempts: 1 }
                    with:
                      url: "${{ params.base }}status/410"
                      expect: [200, "410"]
                outputs:
                  missing: "${{ steps.missing.output.status }}"
                  either: "${{ steps.either.output.status }}"
            outputs:
              result: "${{ tasks.probe.outputs }}"
            """,
            new JsonObject { ["base"] = server.BaseUri.ToString() });

        Assert.True(run.Status == WorkStatus.Succeeded, $"run {run.Status}: {run.Error?.Message}");
        var result = JsonNode.Parse(run.OutputsJson!)!["result"]!;
        Assert.Equal(404, result["missing"]!.GetValue<int>());
        Assert.Equal(410, result["either"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_HttpStepWithBadExpectInYaml_FailsNamingExpect()
    {
        var run = await RunAsync(
            """
            name: plugins-e2e-http-expect-bad
            params:
              base: string
            tasks:
              probe:
                steps:
                  - id: missing
                    uses: http
                    retry: { attempts: 1 }
                    with:
                      url: "${{ params.base }}status/404"
                      expect: [404, not-found]
            """,
            new JsonObject { ["base"] = server.BaseUri.ToString() });

        Assert.Equal(WorkStatus.Failed, run.Status);
        var step = Step(run, "probe", "missing");
        Assert.Equal(WorkStatus.Failed, step.Status);
        Assert.Contains("'expect' item 2 is \"not-found\"", step.Error);
        Assert.Contains("status codes", run.Error!.Message);
    }

    [Fact]
    public async Task Run_ShellStepTimesOut_IsTimedOutAndItsProcessTreeIsKilled()
    {
        var dir = Directory.CreateTempSubdirectory("owf-e2e-shell-").FullName;
        try
        {
            var run = await RunAsync(
                """
                name: plugins-e2e-shell-timeout
                params:
                  dir: string
                tasks:
                  work:
                    steps:
                      - id: hang
                        uses: shell
                        timeout: 3s
                        retry: { attempts: 1 }
                        with:
                          run: |
                            sleep 300 &
                            echo $! > "$DIR/bg.pid"
                            echo $$ > "$DIR/shell.pid"
                            sleep 300
                          env: { DIR: "${{ params.dir }}" }
                """,
                new JsonObject { ["dir"] = dir });

            Assert.Equal(WorkStatus.TimedOut, Step(run, "work", "hang").Status);
            Assert.NotEqual(WorkStatus.Succeeded, run.Status);
            foreach (var pidFile in new[] { "bg.pid", "shell.pid" })
            {
                var pid = LinuxProcesses.ReadPidFile(Path.Combine(dir, pidFile));
                await Eventually.TrueAsync(() => LinuxProcesses.Find(pid) is not { Command: "sleep" or "sh" }, $"process {pid} ({pidFile}) to be gone", TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>The sql plugin through a cluster whose silo has the named connection <c>warehouse</c> to a real PostgreSQL.</summary>
[Collection(PluginClusterCollection.Name)]
public sealed class SqlEndToEndTests(PluginClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private async Task<RunSnapshot> RunAsync(string yaml, JsonObject parameters)
    {
        var name = await fixture.RegisterAsync(yaml);
        var runId = await fixture.Client.StartRunAsync(name, parameters);
        using var deadline = new CancellationTokenSource(Patience);
        return await fixture.Client.WaitForEndAsync(runId, deadline.Token);
    }

    [Fact]
    public async Task Run_HttpRowsLoadedWithReplaceThenQueried_TableHoldsExactlyThoseRows()
    {
        var table = "cases_" + Guid.NewGuid().ToString("N")[..10];
        await fixture.Postgres.ScalarAsync($"CREATE TABLE {table} (code text PRIMARY KEY, name text, cases int, rate numeric)");
        await fixture.Postgres.ScalarAsync($"INSERT INTO {table} VALUES ('XX', 'stale', 1, 0)");

        var run = await RunAsync(
            $$$"""
            name: plugins-e2e-warehouse
            params:
              base: string
              table: string
              min_cases: int
            tasks:
              extract:
                steps:
                  - id: fetch
                    uses: http
                    with:
                      url: "${{ params.base }}rows"
                      headers: { X-Token: "${{ secrets.{{{PluginClusterFixture.SecretName}}} }}" }
              load:
                needs: [extract]
                steps:
                  - id: replace
                    uses: sql
                    with:
                      connection: warehouse
                      load: { table: "${{ params.table }}", rows: "${{ tasks.extract.outputs.json }}", mode: replace }
                  - id: check
                    uses: sql
                    with:
                      connection: warehouse
                      query: "SELECT code, cases, rate FROM ${{ params.table }} WHERE cases >= @min ORDER BY code"
                      params: { min: "${{ params.min_cases }}" }
                  - id: touch
                    uses: sql
                    with:
                      connection: warehouse
                      execute: "UPDATE ${{ params.table }} SET name = upper(name) WHERE code = ANY(string_to_array(@codes, ','))"
                      params: { codes: "${{ steps.check.output.rows.map(r => r.code).join(',') }}" }
                outputs:
                  loaded: "${{ steps.replace.output.affected }}"
                  big: "${{ steps.check.output.rows }}"
                  touched: "${{ steps.touch.output.affected }}"
            outputs:
              load: "${{ tasks.load.outputs }}"
            """,
            new JsonObject { ["base"] = fixture.Http.BaseUri.ToString(), ["table"] = table, ["min_cases"] = 90 });

        Assert.True(run.Status == WorkStatus.Succeeded, $"run {run.Status}: {run.Error?.Message}");
        var load = JsonNode.Parse(run.OutputsJson!)!["load"]!;
        Assert.Equal(3, load["loaded"]!.GetValue<int>());
        Assert.Equal(2, load["touched"]!.GetValue<int>());
        Assert.Equal(
            """[{"code":"DE","cases":120,"rate":1.25},{"code":"FR","cases":95,"rate":0.5}]""",
            load["big"]!.ToJsonString());
        Assert.Equal(
            ["DE|GERMANY|120|1.25", "FR|FRANCE|95|0.5", "IT|Italy|80|null"],
            await fixture.Postgres.RowsAsync($"SELECT code, name, cases, rate FROM {table} ORDER BY code"));
        Assert.Contains(PluginClusterFixture.SecretValue, fixture.Http.Tokens);
    }

    [Fact]
    public async Task Run_SqlStepWithUnknownConnectionOrBadSql_FailsWithClearMessages()
    {
        var run = await RunAsync(
            """
            name: plugins-e2e-sql-errors
            tasks:
              unknown:
                steps:
                  - id: q
                    uses: sql
                    retry: { attempts: 1 }
                    with: { connection: nope, query: SELECT 1 }
              broken:
                steps:
                  - id: q
                    uses: sql
                    retry: { attempts: 1 }
                    with: { connection: warehouse, query: SELECT * FROM owf_missing_table }
            """,
            []);

        Assert.Equal(WorkStatus.Failed, run.Status);
        var unknown = run.Tasks.Single(t => t.Id == "unknown").Steps.Single();
        var broken = run.Tasks.Single(t => t.Id == "broken").Steps.Single();
        Assert.Equal(WorkStatus.Failed, unknown.Status);
        Assert.Contains("Workflow:Connections:nope", unknown.Error);
        Assert.Equal(WorkStatus.Failed, broken.Status);
        Assert.Contains("sql on 'warehouse'", broken.Error);
        Assert.Contains("owf_missing_table", broken.Error);
        Assert.DoesNotContain(fixture.Postgres.ConnectionString, broken.Error);
    }
}
