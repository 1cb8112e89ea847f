using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.Workflow.Hosting;
using Orleans.Workflow.Hosting.Postgres;

// One silo. Configuration: appsettings.json, environment (Workflow__Postgres, Workflow__SiloPort, ...), arguments
// (--Workflow:SiloPort=11112). docs/running.md lists every key.
// appsettings.json (log levels) is read from beside the program, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var silo = builder.Configuration.GetSection(WorkflowSiloOptions.Section).Get<WorkflowSiloOptions>() ?? new WorkflowSiloOptions();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    if (silo.HttpPort > 0)
    {
        kestrel.ListenAnyIP(silo.HttpPort);
    }
});

// A graceful stop drains running steps first: give it the drain timeout and then some.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = silo.DrainTimeout + TimeSpan.FromSeconds(60));
builder.UseOrleans(orleans => orleans.UseWorkflowSilo(silo, builder.Configuration));

var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok\n"));
app.MapGet("/readyz", (IClusterMembershipService membership, ILocalSiloDetails local) =>
    membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress) == SiloStatus.Active
        ? Results.Text("ready\n")
        : Results.Text("not ready\n", statusCode: StatusCodes.Status503ServiceUnavailable));

try
{
    await app.RunAsync();
    return 0;
}
catch (PostgresSchemaException ex)
{
    await Console.Error.WriteLineAsync($"owf silo: {ex.Message}");
    return 1;
}
