using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Workflow.Execution;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// Checks <see cref="WorkflowOptions"/> (what the grains read): periods longer than zero, sizes not negative, an
/// output limit of at least one byte. Registered by <c>AddWorkflowCore</c>, so Orleans runs it when the silo starts;
/// an <see cref="OrleansConfigurationException"/> names the key.
/// </summary>
public sealed class WorkflowOptionsValidator(IOptions<WorkflowOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        OptionChecks.Positive(nameof(o.ResendInterval), o.ResendInterval);
        OptionChecks.Positive(nameof(o.WakeReminderPeriod), o.WakeReminderPeriod);
        OptionChecks.AtLeast(nameof(o.MaxOutputBytes), o.MaxOutputBytes, 1);
        OptionChecks.AtLeast(nameof(o.StepLogMaxBytes), o.StepLogMaxBytes, 0);
        OptionChecks.AtLeast(nameof(o.StepLogTailLines), o.StepLogTailLines, 0);
    }
}
