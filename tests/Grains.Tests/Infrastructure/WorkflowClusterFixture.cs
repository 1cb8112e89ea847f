using Orleans.TestingHost;
using Orleans.Workflow.Client;

namespace Orleans.Workflow.Grains.Tests.Infrastructure;

/// <summary>
/// A real in-process Orleans test cluster (one silo) with the workflow grains, built-in plugins and
/// in-memory storage and streams, shared by the tests of a collection.
/// Secrets: <see cref="SecretName"/> = <see cref="SecretValue"/> from configuration, and every file of <see cref="SecretsFolder"/>.
/// </summary>
public sealed class WorkflowClusterFixture : IAsyncLifetime
{
    public const string SecretName = "API_TOKEN";
    public const string SecretValue = "s3cr3t-t0ken-value";
    public const string FileSecretName = "DB_PASSWORD";
    public const string FileSecretValue = "file-secret-p4ss";

    public static readonly string SecretsFolder = Path.Combine(Path.GetTempPath(), "owf-test-secrets-" + Environment.ProcessId);

    private WorkflowTestCluster _cluster = null!;

    public TestCluster Cluster => _cluster.Cluster;

    public WorkflowClient Client => _cluster.Client;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(SecretsFolder);
        await File.WriteAllTextAsync(Path.Combine(SecretsFolder, FileSecretName), FileSecretValue + "\n");
        _cluster = await WorkflowTestCluster.StartAsync(new Dictionary<string, string>
        {
            [$"Workflow:Secrets:{SecretName}"] = SecretValue,
            ["Workflow:SecretsPath"] = SecretsFolder,
            ["Workflow:ResendInterval"] = "00:00:01",

            // Waits and retry delays of 2 s or more are backed by reminders, so tests can see those paths.
            ["Workflow:WakeReminderPeriod"] = "00:00:02",

            // A small log cap, so a test can print past it.
            ["Workflow:StepLogMaxBytes"] = "20000",
            ["Workflow:StepLogTailLines"] = "20",
        });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>Registers a playbook from YAML text and answers its name.</summary>
    public Task<string> RegisterAsync(string yaml) => _cluster.RegisterAsync(yaml);
}

[CollectionDefinition(Name)]
public sealed class WorkflowClusterCollection : ICollectionFixture<WorkflowClusterFixture>
{
    public const string Name = "workflow cluster";
}
