namespace Orleans.Workflow.Execution;

/// <summary>The <c>Workflow</c> configuration section, as the grains read it.</summary>
public sealed class WorkflowOptions
{
    public const string Section = "Workflow";

    public const int DefaultMaxOutputBytes = 1024 * 1024;

    /// <summary>Largest output (JSON) a step may produce; larger fails the step.</summary>
    public int MaxOutputBytes { get; set; } = DefaultMaxOutputBytes;

    /// <summary>A folder with one file per secret (as Kubernetes mounts them); the file name is the secret's name.</summary>
    public string? SecretsPath { get; set; }

    /// <summary>How often a grain re-sends messages it has not seen acknowledged.</summary>
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A wait or retry delay at least this long is also backed by a reminder (its period; Orleans' shortest is
    /// 1 minute unless the silo lowers <c>ReminderOptions.MinimumReminderPeriod</c>, which the silo does when
    /// this is set lower). The step's activation can then be collected while it waits, and a restarted silo still
    /// wakes it.
    /// </summary>
    public TimeSpan WakeReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether this cluster's schedules fire (<c>on.schedule</c>). The embedded silo of a one-off <c>owf run</c> sets it
    /// false: it runs the playbook once, and its schedules belong to a cluster.
    /// </summary>
    public bool FireSchedules { get; set; } = true;

    /// <summary>How much of one attempt's log (a shell step's output lines) is published live, in bytes.</summary>
    public int StepLogMaxBytes { get; set; } = 1024 * 1024;

    /// <summary>Past <see cref="StepLogMaxBytes"/>, how many of the attempt's last lines are kept and published at its end.</summary>
    public int StepLogTailLines { get; set; } = 200;
}
