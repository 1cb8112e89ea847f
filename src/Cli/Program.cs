using Orleans.Workflow.Cli;

return await OwfCommand.RunAsync(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
