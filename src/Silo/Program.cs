using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Workflow.Silo.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var silo = builder.Configuration.GetSection("Workflow").Get<WorkflowSiloOptions>() ?? new WorkflowSiloOptions();
builder.UseOrleans(orleans => orleans
    .UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId)
    .AddWorkflow(builder.Configuration));
await builder.Build().RunAsync();
