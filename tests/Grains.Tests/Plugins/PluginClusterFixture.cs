using Orleans.TestingHost;
using Orleans.Workflow.Client;
using Orleans.Workflow.Grains.Tests.Infrastructure;
using Orleans.Workflow.Postgres.Tests.Infrastructure;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>
/// A cluster of its own (one in-process silo, configured like <c>WorkflowClusterFixture</c>) with real
/// infrastructure next to it: a PostgreSQL reachable as the named connection <c>warehouse</c> and a Kestrel
/// server. The shared cluster fixture is created once per collection and reads its configuration before any
/// test could add a connection, so the sql end-to-end tests bring their own cluster.
/// </summary>
public sealed class PluginClusterFixture : IAsyncLifetime
{
    public const string SecretName = "WAREHOUSE_TOKEN";
    public const string SecretValue = "wh-s3cr3t-value-123";

    private WorkflowTestCluster? _cluster;

    public PostgresServer Postgres { get; } = new();

    public HttpTestServer Http { get; } = new();

    public TestCluster Cluster => _cluster!.Cluster;

    public WorkflowClient Client => _cluster!.Client;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), Http.InitializeAsync());
        _cluster = await WorkflowTestCluster.StartAsync(new Dictionary<string, string>
        {
            ["Workflow:Connections:warehouse"] = Postgres.ConnectionString,
            [$"Workflow:Secrets:{SecretName}"] = SecretValue,
            ["Workflow:ResendInterval"] = "00:00:01",
        });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        await Http.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    /// <summary>Registers a playbook from YAML text and answers its name.</summary>
    public Task<string> RegisterAsync(string yaml) => _cluster!.RegisterAsync(yaml);
}

[CollectionDefinition(Name)]
public sealed class PluginClusterCollection : ICollectionFixture<PluginClusterFixture>
{
    public const string Name = "plugin cluster with postgres";
}
