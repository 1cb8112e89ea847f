using Microsoft.Extensions.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using Orleans.Workflow.Client;
using Orleans.Workflow.Events;
using Orleans.Workflow.Hosting;

namespace Orleans.Workflow.Grains.Tests.Infrastructure;

/// <summary>
/// A real in-process Orleans test cluster (one silo) with the workflow grains, built-in plugins and in-memory
/// state and streams, configured with the given <c>Workflow:*</c> values; the fixtures of the test collections share it.
/// </summary>
public sealed class WorkflowTestCluster : IAsyncDisposable
{
    private WorkflowTestCluster(TestCluster cluster)
    {
        Cluster = cluster;
        Client = new WorkflowClient(cluster.Client);
    }

    public TestCluster Cluster { get; }

    public WorkflowClient Client { get; }

    public static Task<WorkflowTestCluster> StartAsync(IReadOnlyDictionary<string, string> configuration) =>
        StartAsync(configuration, builder => { });

    /// <summary>As <see cref="StartAsync(IReadOnlyDictionary{string, string})"/>, with more silo configuration (a configurator type of the caller's).</summary>
    public static async Task<WorkflowTestCluster> StartAsync<TConfigurator>(IReadOnlyDictionary<string, string> configuration)
        where TConfigurator : ISiloConfigurator, new() =>
        await StartAsync(configuration, builder => builder.AddSiloBuilderConfigurator<TConfigurator>());

    private static async Task<WorkflowTestCluster> StartAsync(IReadOnlyDictionary<string, string> configuration, Action<TestClusterBuilder> more)
    {
        var builder = new TestClusterBuilder(1);
        more(builder);
        foreach (var (key, value) in configuration)
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new WorkflowTestCluster(cluster);
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

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        // The cluster's properties are part of each silo's configuration, which the grains read too.
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddWorkflow(siloBuilder.Configuration);
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(RunEvent.StreamProvider);
    }
}
