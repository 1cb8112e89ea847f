using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Plugins.BuiltIn;
using Orleans.Workflow.Postgres.Tests.Infrastructure;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>The <c>sql</c> plugin against a real PostgreSQL started by the tests.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The plugin is disposed in IAsyncLifetime.DisposeAsync, which xunit calls.")]
public sealed class SqlPluginTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly PluginHarness _harness = new();
    private SqlPlugin _plugin = null!;
    private string _table = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Workflow:Connections:warehouse"] = postgres.ConnectionString,
                ["Workflow:Connections:detailed"] = postgres.ConnectionString + ";Include Error Detail=true",
                ["Workflow:Connections:down"] = $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Timeout=5",
            })
            .Build();
        _plugin = new SqlPlugin(configuration);
        _table = "t_" + Guid.NewGuid().ToString("N")[..12];
        await postgres.ScalarAsync($"CREATE TABLE {_table} (id int PRIMARY KEY, name text NOT NULL, amount numeric(10,2), active boolean, day date, seen_at timestamptz, extra jsonb)");
    }

    public async Task DisposeAsync()
    {
        await _plugin.DisposeAsync();
        await postgres.ScalarAsync($"DROP TABLE IF EXISTS {_table}");
    }

    private async Task<JsonObject> Sql(JsonObject input, CancellationToken cancellationToken = default)
    {
        input.TryAdd("connection", "warehouse");
        return Assert.IsType<JsonObject>(await Eventually.Within(_plugin.ExecuteAsync(_harness.Context(input), cancellationToken), "the sql step to end"));
    }

    private Task<StepFailedException> Fails(JsonObject input)
    {
        input.TryAdd("connection", "warehouse");
        return Assert.ThrowsAsync<StepFailedException>(() => Eventually.Within(_plugin.ExecuteAsync(_harness.Context(input), CancellationToken.None), "the sql step to end"));
    }

    private static JsonArray Rows(JsonObject output) => Assert.IsType<JsonArray>(output["rows"]);

    private Task<List<string>> TableRows() => postgres.RowsAsync($"SELECT id, name, amount, active FROM {_table} ORDER BY id");

    [Fact]
    public async Task ExecuteAsync_Query_AnswersRowsWithJsonTypes()
    {
        var output = await Sql(new JsonObject
        {
            ["query"] = """
                SELECT 42::int AS i, 9000000000::bigint AS big, 7::smallint AS small, 'text ü'::text AS t, true AS b,
                       12.50::numeric(10,2) AS n, 0.25::float8 AS f, timestamp '2024-05-01 06:30:00' AS ts,
                       timestamptz '2024-05-01 06:30:00+00' AS tstz, date '2024-05-01' AS d, NULL::text AS nothing,
                       '{"a": [1, 2]}'::jsonb AS doc, '[true]'::json AS js, ARRAY[1, 2]::int[] AS ints,
                       ARRAY['x', NULL]::text[] AS texts, '\x0102ff'::bytea AS bin,
                       '6f1c1d3e-0000-4000-8000-000000000001'::uuid AS uid
                """,
        });

        var row = Assert.IsType<JsonObject>(Assert.Single(Rows(output)));
        Assert.Equal(42, row["i"]!.GetValue<long>());
        Assert.Equal(9_000_000_000L, row["big"]!.GetValue<long>());
        Assert.Equal(7, row["small"]!.GetValue<long>());
        Assert.Equal("text ü", row["t"]!.GetValue<string>());
        Assert.True(row["b"]!.GetValue<bool>());
        Assert.Equal(12.50m, row["n"]!.GetValue<decimal>());
        Assert.Equal(0.25, row["f"]!.GetValue<double>());
        Assert.StartsWith("2024-05-01T06:30:00", row["ts"]!.GetValue<string>());
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 6, 30, 0, TimeSpan.Zero), DateTimeOffset.Parse(row["tstz"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("2024-05-01", row["d"]!.GetValue<string>());
        Assert.True(row.ContainsKey("nothing"));
        Assert.Null(row["nothing"]);
        Assert.Equal("{\"a\":[1,2]}", Assert.IsType<JsonObject>(row["doc"]).ToJsonString());
        Assert.Equal("[true]", Assert.IsType<JsonArray>(row["js"]).ToJsonString());
        Assert.Equal("[1,2]", Assert.IsType<JsonArray>(row["ints"]).ToJsonString());
        Assert.Equal("[\"x\",null]", Assert.IsType<JsonArray>(row["texts"]).ToJsonString());
        Assert.Equal(Convert.ToBase64String([1, 2, 255]), row["bin"]!.GetValue<string>());
        Assert.Equal("6f1c1d3e-0000-4000-8000-000000000001", row["uid"]!.GetValue<string>());
        Assert.Equal(
            ["i", "big", "small", "t", "b", "n", "f", "ts", "tstz", "d", "nothing", "doc", "js", "ints", "texts", "bin", "uid"],
            row.Select(p => p.Key).ToArray());
    }

    [Fact]
    public async Task ExecuteAsync_QueryManyRows_KeepsOrder()
    {
        var output = await Sql(new JsonObject { ["query"] = "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 250) AS g ORDER BY g" });

        var rows = Rows(output);
        Assert.Equal(250, rows.Count);
        Assert.Equal(Enumerable.Range(1, 250), rows.Select(r => (int)r!["n"]!.GetValue<long>()));
        Assert.Equal("row 250", rows[249]!["label"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_QueryNoRows_AnswersEmptyList()
    {
        var output = await Sql(new JsonObject { ["query"] = $"SELECT * FROM {_table}" });

        Assert.Empty(Rows(output));
    }

    [Fact]
    public async Task ExecuteAsync_Params_AreBoundNotSpliced()
    {
        var hostile = "O'Brien'); DROP TABLE " + _table + "; --";

        var output = await Sql(new JsonObject
        {
            ["query"] = "SELECT @name::text AS name, @n::int + 1 AS next, @ratio::numeric * 2 AS doubled, @flag::bool AS flag, @missing::text IS NULL AS missing",
            ["params"] = new JsonObject { ["name"] = hostile, ["n"] = 41, ["ratio"] = 1.25, ["flag"] = true, ["missing"] = null },
        });

        var row = Rows(output)[0]!;
        Assert.Equal(hostile, row["name"]!.GetValue<string>());
        Assert.Equal(42, row["next"]!.GetValue<long>());
        Assert.Equal(2.5m, row["doubled"]!.GetValue<decimal>());
        Assert.True(row["flag"]!.GetValue<bool>());
        Assert.True(row["missing"]!.GetValue<bool>());
        Assert.Equal(0L, await postgres.ScalarAsync($"SELECT count(*) FROM {_table}"));
    }

    [Fact]
    public async Task ExecuteAsync_ParamsWithoutCasts_TakeTheColumnsTypes()
    {
        // Playbook values are JSON: a date, a timestamp or a document arrives as text and must still compare
        // with, and be stored in, typed columns.
        await postgres.ScalarAsync($"INSERT INTO {_table} (id, name, day, seen_at) VALUES (1, 'a', '2024-05-01', '2024-05-01T06:00:00Z'), (2, 'b', '2024-05-02', '2024-05-02T06:00:00Z')");

        var output = await Sql(new JsonObject
        {
            ["query"] = $"SELECT name FROM {_table} WHERE day = @day AND seen_at < @before",
            ["params"] = new JsonObject { ["day"] = "2024-05-01", ["before"] = "2024-05-01T07:00:00Z" },
        });
        var updated = await Sql(new JsonObject
        {
            ["execute"] = $"UPDATE {_table} SET extra = @extra, day = @day WHERE id = @id",
            ["params"] = new JsonObject { ["extra"] = new JsonObject { ["k"] = "v" }, ["day"] = "2024-06-01", ["id"] = 2 },
        });

        Assert.Equal("a", Assert.Single(Rows(output))!["name"]!.GetValue<string>());
        Assert.Equal(1, updated["affected"]!.GetValue<int>());
        Assert.Equal("v", await postgres.ScalarAsync($"SELECT extra->>'k' FROM {_table} WHERE id = 2"));
        Assert.Equal(new DateOnly(2024, 6, 1), await postgres.ScalarAsync($"SELECT day FROM {_table} WHERE id = 2"));
    }

    [Fact]
    public async Task ExecuteAsync_Execute_AnswersAffectedCount()
    {
        var inserted = await Sql(new JsonObject { ["execute"] = $"INSERT INTO {_table} (id, name, amount) VALUES (1, 'a', 1), (2, 'b', 20), (3, 'c', 30)" });
        var updated = await Sql(new JsonObject
        {
            ["execute"] = $"UPDATE {_table} SET active = true WHERE amount > @min",
            ["params"] = new JsonObject { ["min"] = 5 },
        });
        var created = await Sql(new JsonObject { ["execute"] = $"CREATE INDEX ON {_table} (name)" });

        Assert.Equal(3, inserted["affected"]!.GetValue<int>());
        Assert.Equal(2, updated["affected"]!.GetValue<int>());
        Assert.Equal(-1, created["affected"]!.GetValue<int>());
        Assert.Equal(["1|a|1.00|null", "2|b|20.00|True", "3|c|30.00|True"], await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadAppend_InsertsRowsByColumnName()
    {
        var first = await Sql(new JsonObject
        {
            ["load"] = new JsonObject
            {
                ["table"] = _table,
                ["rows"] = new JsonArray(
                    new JsonObject { ["id"] = 1, ["name"] = "Germany", ["amount"] = 1.5, ["active"] = true, ["day"] = "2024-05-01", ["seen_at"] = "2024-05-01T06:00:00Z", ["extra"] = new JsonObject { ["iso"] = "DE" } },
                    new JsonObject { ["name"] = "France", ["id"] = 2, ["amount"] = null }),
            },
        });
        var second = await Sql(new JsonObject
        {
            ["load"] = new JsonObject { ["table"] = _table, ["mode"] = "append", ["rows"] = new JsonArray(new JsonObject { ["id"] = 3, ["name"] = "Italy" }) },
        });

        Assert.Equal(2, first["affected"]!.GetValue<int>());
        Assert.Equal(1, second["affected"]!.GetValue<int>());
        Assert.Equal(["1|Germany|1.50|True", "2|France|null|null", "3|Italy|null|null"], await TableRows());
        Assert.Equal("DE", await postgres.ScalarAsync($"SELECT extra->>'iso' FROM {_table} WHERE id = 1"));
    }

    [Fact]
    public async Task ExecuteAsync_LoadIntoSchemaQualifiedTable_Works()
    {
        var schema = "s_" + Guid.NewGuid().ToString("N")[..8];
        await postgres.ScalarAsync($"CREATE SCHEMA {schema}; CREATE TABLE {schema}.items (id int, label text)");
        try
        {
            var output = await Sql(new JsonObject
            {
                ["load"] = new JsonObject { ["table"] = $"{schema}.items", ["rows"] = new JsonArray(new JsonObject { ["id"] = 1, ["label"] = "x" }) },
            });

            Assert.Equal(1, output["affected"]!.GetValue<int>());
            Assert.Equal(1L, await postgres.ScalarAsync($"SELECT count(*) FROM {schema}.items"));
        }
        finally
        {
            await postgres.ScalarAsync($"DROP SCHEMA {schema} CASCADE");
        }
    }

    [Fact]
    public async Task ExecuteAsync_LoadReplace_MakesRowsTheWholeTable()
    {
        await postgres.ScalarAsync($"INSERT INTO {_table} (id, name) VALUES (1, 'old-1'), (2, 'old-2'), (3, 'old-3')");

        var output = await Sql(new JsonObject
        {
            ["load"] = new JsonObject
            {
                ["table"] = _table,
                ["mode"] = "replace",
                ["rows"] = new JsonArray(new JsonObject { ["id"] = 2, ["name"] = "new-2" }, new JsonObject { ["id"] = 7, ["name"] = "new-7" }),
            },
        });

        Assert.Equal(2, output["affected"]!.GetValue<int>());
        Assert.Equal(["2|new-2|null|null", "7|new-7|null|null"], await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadReplaceWithNoRows_EmptiesTheTable()
    {
        await postgres.ScalarAsync($"INSERT INTO {_table} (id, name) VALUES (1, 'old-1')");

        var output = await Sql(new JsonObject { ["load"] = new JsonObject { ["table"] = _table, ["mode"] = "replace", ["rows"] = new JsonArray() } });

        Assert.Equal(0, output["affected"]!.GetValue<int>());
        Assert.Empty(await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadReplaceFailingHalfway_KeepsTheOldContent()
    {
        await postgres.ScalarAsync($"INSERT INTO {_table} (id, name) VALUES (1, 'old-1'), (2, 'old-2')");

        // The second row breaks the primary key: nothing of the replace may stay, the delete included.
        var ex = await Fails(new JsonObject
        {
            ["load"] = new JsonObject
            {
                ["table"] = _table,
                ["mode"] = "replace",
                ["rows"] = new JsonArray(new JsonObject { ["id"] = 5, ["name"] = "new" }, new JsonObject { ["id"] = 5, ["name"] = "duplicate" }),
            },
        });

        Assert.Contains("duplicate key", ex.Message);
        Assert.Equal(["1|old-1|null|null", "2|old-2|null|null"], await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadReplace_ConcurrentReadersNeverSeeAnEmptyTable()
    {
        await postgres.ScalarAsync($"INSERT INTO {_table} (id, name) SELECT g, 'old' FROM generate_series(1, 200) g");
        var rows = new JsonArray([.. Enumerable.Range(1, 200).Select(i => (JsonNode)new JsonObject { ["id"] = i, ["name"] = "new" })]);
        using var stop = new CancellationTokenSource();
        var counts = new List<long>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                counts.Add((long)(await postgres.ScalarAsync($"SELECT count(*) FROM {_table}"))!);
            }
        });

        await Sql(new JsonObject { ["load"] = new JsonObject { ["table"] = _table, ["mode"] = "replace", ["rows"] = rows } });
        await stop.CancelAsync();
        await reader;

        Assert.All(counts, count => Assert.Equal(200L, count));
        Assert.Equal(200L, await postgres.ScalarAsync($"SELECT count(*) FROM {_table} WHERE name = 'new'"));
    }

    [Fact]
    public async Task ExecuteAsync_LoadFailingRowInAppend_InsertsNothing()
    {
        var ex = await Fails(new JsonObject
        {
            ["load"] = new JsonObject
            {
                ["table"] = _table,
                ["rows"] = new JsonArray(new JsonObject { ["id"] = 1, ["name"] = "ok" }, new JsonObject { ["id"] = 2, ["name"] = null }),
            },
        });

        Assert.Contains("name", ex.Message);
        Assert.Empty(await TableRows());
    }

    [Theory]
    [InlineData("t; DROP TABLE x")]
    [InlineData("\"quoted\"")]
    [InlineData("a.b.c")]
    [InlineData("1abc")]
    [InlineData("t--")]
    [InlineData("")]
    public async Task ExecuteAsync_LoadBadTableName_IsRefused(string table)
    {
        var ex = await Fails(new JsonObject
        {
            ["load"] = new JsonObject { ["table"] = table, ["rows"] = new JsonArray(new JsonObject { ["id"] = 1, ["name"] = "x" }) },
        });

        Assert.Contains("not a plain name", ex.Message);
        Assert.Empty(await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadBadColumnName_IsRefused()
    {
        var ex = await Fails(new JsonObject
        {
            ["load"] = new JsonObject { ["table"] = _table, ["rows"] = new JsonArray(new JsonObject { ["id"] = 1, ["name\") VALUES (1, 'x'); --"] = "x" }) },
        });

        Assert.Contains("not a plain name", ex.Message);
        Assert.Empty(await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadUnknownMode_IsRefused()
    {
        var ex = await Fails(new JsonObject
        {
            ["load"] = new JsonObject { ["table"] = _table, ["mode"] = "upsert", ["rows"] = new JsonArray() },
        });

        Assert.Contains("upsert", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_LoadRowsNotAList_IsRefused()
    {
        var ex = await Fails(new JsonObject { ["load"] = new JsonObject { ["table"] = _table, ["rows"] = "1,2,3" } });

        Assert.Contains("'rows'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_LoadRowNotAnObject_IsRefusedNamingIt()
    {
        var ex = await Fails(new JsonObject
        {
            ["load"] = new JsonObject { ["table"] = _table, ["rows"] = new JsonArray(new JsonObject { ["id"] = 1, ["name"] = "x" }, 42) },
        });

        Assert.Contains("row 2", ex.Message);
        Assert.Empty(await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_UnknownConnection_FailsNamingTheConfigurationKey()
    {
        var ex = await Fails(new JsonObject { ["connection"] = "nope", ["query"] = "SELECT 1" });

        Assert.Contains("Workflow:Connections:nope", ex.Message);
        Assert.Contains("'nope'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_NoConnection_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["query"] = "SELECT 1" }), CancellationToken.None));

        Assert.Contains("'connection'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ServerUnreachable_FailsNamingTheConnection()
    {
        var ex = await Fails(new JsonObject { ["connection"] = "down", ["query"] = "SELECT 1" });

        Assert.StartsWith("sql on 'down':", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_SqlError_FailsWithServerMessage()
    {
        var ex = await Fails(new JsonObject { ["query"] = "SELECT * FROM owf_no_such_table" });

        Assert.StartsWith("sql on 'warehouse':", ex.Message);
        Assert.Contains("owf_no_such_table", ex.Message);
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_SyntaxError_FailsClearly()
    {
        var ex = await Fails(new JsonObject { ["execute"] = "UPDATE SET nothing" });

        Assert.Contains("syntax error", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_NoneOfQueryExecuteLoad_FailsClearly()
    {
        var ex = await Fails(new JsonObject { ["params"] = new JsonObject() });

        Assert.Contains("'query'", ex.Message);
        Assert.Contains("'execute'", ex.Message);
        Assert.Contains("'load'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_QueryAndExecuteTogether_FailsWithoutRunningEither()
    {
        var ex = await Fails(new JsonObject
        {
            ["query"] = "SELECT 1",
            ["execute"] = $"INSERT INTO {_table} (id, name) VALUES (1, 'x')",
        });

        Assert.Contains("one of", ex.Message);
        Assert.Empty(await TableRows());
    }

    [Fact]
    public async Task ExecuteAsync_LoadNotAMapping_FailsClearly()
    {
        var ex = await Fails(new JsonObject { ["load"] = _table });

        Assert.Contains("'load' must be a mapping", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ConstraintViolation_FailsWithServerDetail()
    {
        await postgres.ScalarAsync($"INSERT INTO {_table} (id, name) VALUES (1, 'a')");

        var ex = await Fails(new JsonObject { ["execute"] = $"INSERT INTO {_table} (id, name) VALUES (1, 'again')" });
        var detailed = await Fails(new JsonObject { ["connection"] = "detailed", ["execute"] = $"INSERT INTO {_table} (id, name) VALUES (1, 'again')" });

        Assert.StartsWith("sql on 'warehouse': 23505: duplicate key value violates unique constraint", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
        Assert.StartsWith("sql on 'detailed': 23505: duplicate key", detailed.Message);
        Assert.Contains("Key (id)=(1) already exists", detailed.Message);
    }

    [Fact]
    public async Task ExecuteAsync_FailureMessage_IsRedacted()
    {
        var harness = new PluginHarness { Redact = text => text.Replace("hunter2", "***", StringComparison.Ordinal) };

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(
            harness.Context(new JsonObject { ["connection"] = "warehouse", ["query"] = "SELECT * FROM hunter2" }),
            CancellationToken.None));

        Assert.DoesNotContain("hunter2", ex.Message);
        Assert.Contains("***", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_CancelsTheStatement()
    {
        using var cancel = new CancellationTokenSource();
        var step = _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["connection"] = "warehouse", ["query"] = "SELECT pg_sleep(300) /* owf-cancel-test */" }), cancel.Token);
        await Eventually.TrueAsync(
            () => (long)postgres.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%owf-cancel-test%' AND state = 'active' AND pid <> pg_backend_pid()").GetAwaiter().GetResult()! == 1,
            "the statement to run on the server");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled sql step to end", TimeSpan.FromSeconds(20)));
        await Eventually.TrueAsync(
            () => (long)postgres.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%owf-cancel-test%' AND state = 'active' AND pid <> pg_backend_pid()").GetAwaiter().GetResult()! == 0,
            "the statement to stop on the server",
            TimeSpan.FromSeconds(10));
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
