using System.Net;
using Orleans.Runtime;

namespace Orleans.Workflow.Hosting;

/// <summary>
/// Checks <see cref="WorkflowSiloOptions"/>: ports in range, timeouts longer than zero, at least one missed probe,
/// an advertised address that is an IP address, non-empty cluster and service ids. It throws an
/// <see cref="OrleansConfigurationException"/> naming the key (<c>Workflow:SiloPort must be between 1 and 65535</c>).
/// <see cref="WorkflowSiloBuilderExtensions.AddWorkflowSilo(ISiloBuilder, Action{WorkflowSiloOptions}?)"/> runs it
/// before it wires anything from the values, and registers it so Orleans runs it again when the silo starts.
/// </summary>
public sealed class WorkflowSiloOptionsValidator(WorkflowSiloOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionChecks.Port(nameof(options.SiloPort), options.SiloPort);
        OptionChecks.Port(nameof(options.GatewayPort), options.GatewayPort);
        OptionChecks.Port(nameof(options.HttpPort), options.HttpPort, min: 0);
        OptionChecks.NotEmpty(nameof(options.ClusterId), options.ClusterId);
        OptionChecks.NotEmpty(nameof(options.ServiceId), options.ServiceId);
        if (options.AdvertisedAddress is { Length: > 0 } address && !IPAddress.TryParse(address, out _))
        {
            throw new OrleansConfigurationException(
                $"{OptionChecks.Key(nameof(options.AdvertisedAddress))} must be an IP address such as 10.0.0.5 (it is '{address}')");
        }

        OptionChecks.Positive(nameof(options.DrainTimeout), options.DrainTimeout);
        OptionChecks.Positive(nameof(options.ProbeTimeout), options.ProbeTimeout);
        OptionChecks.AtLeast(nameof(options.MissedProbesLimit), options.MissedProbesLimit, 1);
    }
}
