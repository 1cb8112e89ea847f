using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Silo.Hosting;

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

    /// <summary>Read by the silo configurator; only this fixture's cluster uses it (one at a time: one collection).</summary>
    private static string? _warehouse;

    public PostgresServer Postgres { get; } = new();

    public HttpTestServer Http { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    public WorkflowClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Postgres.InitializeAsync(), Http.InitializeAsync());
        _warehouse = Postgres.ConnectionString;
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Client = new WorkflowClient(Cluster.Client);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        await Http.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    /// <summary>Registers a playbook from YAML text and answers its name.</summary>
    public async Task<string> RegisterAsync(string yaml)
    {
        var loaded = Playbooks.PlaybookLoader.Load(yaml, "test.yaml", Playbooks.Validation.PlaybookValidationOptions.Default);
        if (loaded.Playbook is null)
        {
            throw new InvalidOperationException("test playbook is invalid:\n" + string.Join("\n", loaded.Diagnostics));
        }

        await Client.RegisterPlaybookAsync(loaded.Playbook.Name, yaml, "test.yaml");
        return loaded.Playbook.Name;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Workflow:Connections:warehouse"] = _warehouse ?? throw new InvalidOperationException("the PostgreSQL server must be started before the cluster"),
                [$"Workflow:Secrets:{SecretName}"] = SecretValue,
                ["Workflow:ResendInterval"] = "00:00:01",
            }).Build();
            siloBuilder.Services.AddSingleton<IConfiguration>(configuration);
            siloBuilder.AddWorkflow(configuration);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(RunEvent.StreamProvider);
    }
}

[CollectionDefinition(Name)]
public sealed class PluginClusterCollection : ICollectionFixture<PluginClusterFixture>
{
    public const string Name = "plugin cluster with postgres";
}
