using Orleans.Runtime;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// Checks <see cref="WorkflowClientOptions"/>: a gateway port in range (when there is no PostgreSQL to find the
/// gateways in) and non-empty cluster and service ids; an <see cref="OrleansConfigurationException"/> names the key.
/// </summary>
public sealed class WorkflowClientOptionsValidator(WorkflowClientOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Postgres is not { Length: > 0 })
        {
            OptionChecks.Port(nameof(options.GatewayPort), options.GatewayPort);
        }

        OptionChecks.NotEmpty(nameof(options.ClusterId), options.ClusterId);
        OptionChecks.NotEmpty(nameof(options.ServiceId), options.ServiceId);
    }
}
