using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.Workflow.Storage;
using Orleans.Workflow.Events;
using Orleans.Workflow.Execution;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Plugins.BuiltIn;
using Orleans.Workflow.Triggers;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// The hosting concerns of a workflow silo, one extension each; <see cref="AddWorkflowSilo(ISiloBuilder, Action{WorkflowSiloOptions}?)"/>
/// puts them together as the silo executable runs. docs/architecture-hosting.md describes them.
/// </summary>
public static class WorkflowSiloBuilderExtensions
{
    /// <summary>
    /// Everything a silo needs to run playbooks on the embedded default (in-memory state and streams), without the
    /// clustering, drain and recovery of <see cref="AddWorkflowSilo(ISiloBuilder, Action{WorkflowSiloOptions}?)"/>:
    /// one silo in a process that also does other things (the CLI's embedded silo, tests, the bench).
    /// <paramref name="configuration"/>: where the <c>Workflow</c> section is (default: the builder's).
    /// </summary>
    public static ISiloBuilder AddWorkflow(this ISiloBuilder builder, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddWorkflowCore(configuration)
            .AddWorkflowStorage()
            .AddWorkflowEvents();
    }

    /// <summary>
    /// A silo as <c>dotnet run --project src/Silo</c> runs it, configured by the <c>Workflow</c> section of
    /// <see cref="ISiloBuilder.Configuration"/> and then by <paramref name="configure"/>: with
    /// <see cref="WorkflowSiloOptions.Postgres"/>, durable on PostgreSQL (clustering, state, reminders, history, the
    /// indexes) and advertised on <see cref="WorkflowSiloOptions.AdvertisedAddress"/>; without it, the embedded
    /// default on localhost. Either way: drain on a graceful stop, recovery of runs and schedules after a silo is
    /// lost, and membership probing tuned so a dead silo is noticed in seconds.
    /// </summary>
    /// <exception cref="OrleansConfigurationException">A value is out of range or unreadable; the message names its key.</exception>
    public static ISiloBuilder AddWorkflowSilo(this ISiloBuilder builder, Action<WorkflowSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddWorkflowSilo(ReadSiloOptions(builder.Configuration, configure));
    }

    /// <summary>The silo's options from the <c>Workflow</c> section and <paramref name="configure"/>, checked.</summary>
    internal static WorkflowSiloOptions ReadSiloOptions(IConfiguration configuration, Action<WorkflowSiloOptions>? configure)
    {
        var silo = OptionChecks.Read(configuration, configure);
        new WorkflowSiloOptionsValidator(silo).ValidateConfiguration();

        // What the grains read is bound lazily (IOptions); read it once now too, so a bad period fails the start
        // here, before anything is wired, with the same message Orleans' run of the validator would give.
        new WorkflowOptionsValidator(Options.Create(OptionChecks.Read<WorkflowOptions>(configuration, null))).ValidateConfiguration();
        return silo;
    }

    // The values are checked: the endpoints and membership are wired from them now.
    internal static ISiloBuilder AddWorkflowSilo(this ISiloBuilder builder, WorkflowSiloOptions silo)
    {
        if (silo.Postgres is { Length: > 0 } connectionString)
        {
            var address = silo.AdvertisedAddress is { Length: > 0 } text
                ? IPAddress.Parse(text)
                : Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;
            builder.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = silo.ClusterId;
                o.ServiceId = silo.ServiceId;
            });
            builder.ConfigureEndpoints(address, silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
            builder.AddWorkflowCore().AddWorkflowEvents().UseWorkflowPostgres(connectionString);
        }
        else
        {
            builder.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            builder.AddWorkflow();
        }

        // A killed silo is declared dead after about MissedProbesLimit x ProbeTimeout (2 s x 3 by default), so its
        // runs move on within seconds; shorter timeouts would also declare silos dead that only paused (a long GC).
        builder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = silo.ProbeTimeout;
            o.NumMissedProbesLimit = silo.MissedProbesLimit;

            // A silo joining validates its connection to every silo the table says is active, except those whose
            // IAmAlive row is older than NumMissedTableIAmAliveLimit (3) periods. After the whole cluster was killed,
            // new silos would wait 90 s (3 x 30 s) for the dead rows to go stale; with 5 s they wait at most 15 s.
            // It costs one small write per silo every 5 s and plays no part in detecting dead silos.
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        });
        // Orleans' default grain directory deactivates every grain registered in a leaving silo's directory range,
        // wherever it lives: losing one silo of three would stop about a third of the other silos' step attempts
        // too (orphaning their processes) and run them again. The strongly consistent directory hands its ranges
        // over (or rebuilds them from the survivors' activations after a crash), so only the lost silo's grains move.
#pragma warning disable ORLEANSEXP003 // experimental in Orleans 10.4
        builder.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        builder.Services.AddSingleton(silo);
        builder.Services.AddSingleton<IConfigurationValidator>(new WorkflowSiloOptionsValidator(silo));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DrainOnShutdown>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RunRecovery>();
        return builder;
    }

    /// <summary>
    /// Grains' services: plugins (built-ins included), playbook cache, secrets, event publisher, clock, the in-memory
    /// active-run and schedule indexes (unless already registered), and <see cref="WorkflowOptions"/> bound from the
    /// <c>Workflow</c> section of <paramref name="configuration"/> (default: the builder's) with its validator.
    /// </summary>
    public static ISiloBuilder AddWorkflowCore(this ISiloBuilder builder, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        CachedGrainInterfaceTypes.AddFirst(services);
        services.AddOptions<WorkflowOptions>().Bind((configuration ?? builder.Configuration).GetSection(WorkflowOptions.Section));
        services.AddSingleton<IConfigurationValidator, WorkflowOptionsValidator>();
        services.AddOptions<ReminderOptions>().Configure<IOptions<WorkflowOptions>>((reminders, workflow) =>
        {
            // A period that is not positive is WorkflowOptionsValidator's to report, naming its key.
            if (workflow.Value.WakeReminderPeriod > TimeSpan.Zero && workflow.Value.WakeReminderPeriod < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = workflow.Value.WakeReminderPeriod;
            }
        });
        services.TryAddSingleton(TimeProvider.System);

        // The clock schedules read (by default the one above): a test can give schedules a clock of their own.
        services.TryAddKeyedSingleton<TimeProvider>(ScheduleGrain.ClockKey, static (provider, _) => provider.GetRequiredService<TimeProvider>());
        services.AddSingleton<PluginRegistry>();
        services.AddSingleton<PlaybookCache>();
        services.AddSingleton<SecretStore>();
        services.AddSingleton<RunEventPublisher>();
        services.AddSingleton<StepDrain>();
        services.TryAddSingleton<IActiveRunIndex, InMemoryActiveRunIndex>();
        services.TryAddSingleton<IScheduleIndex, InMemoryScheduleIndex>();
        services.AddStepPlugin<NoopPlugin>()
            .AddStepPlugin<LogPlugin>()
            .AddStepPlugin<ShellPlugin>()
            .AddStepPlugin<HttpPlugin>()
            .AddStepPlugin<SqlPlugin>()
            .AddStepPlugin<PlaybookPlugin>()
            .AddStepPlugin<WaitPlugin>();
        return builder;
    }

    /// <summary>
    /// In-memory grain state for the embedded default (one silo; state lives as long as the process), held
    /// in this process with Orleans' binary serializer: no grain call per read or write.
    /// </summary>
    public static ISiloBuilder AddWorkflowStorage(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var name in new[] { WorkflowStorage.Name, WorkflowStorage.PubSub })
        {
            builder.Services.AddGrainStorage(name, (services, _) =>
                new InProcessGrainStorage(ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services)));
        }

        builder.Services.TryAddSingleton<IRunHistoryStore, InMemoryRunHistory>();

        // Long waits and retry delays are backed by reminders; in memory, like the rest of the embedded state.
        return builder.UseInMemoryReminderService();
    }

    /// <summary>The run event streams, in memory, with enough queues that one busy run does not hold up the rest.</summary>
    public static ISiloBuilder AddWorkflowEvents(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMemoryStreams(RunEvent.StreamProvider, streams =>
        {
            streams.ConfigurePartitioning(8);
            streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20)));
        });
    }

    /// <summary>Registers a step plugin; its <see cref="IStepPlugin.Name"/> is what steps use.</summary>
    public static IServiceCollection AddStepPlugin<TPlugin>(this IServiceCollection services)
        where TPlugin : class, IStepPlugin
    {
        services.AddSingleton<IStepPlugin, TPlugin>();
        return services;
    }
}
