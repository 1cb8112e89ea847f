using System.CommandLine;
using System.Text.Json;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf validate FILE... [--json] [--plugin NAME]...</c>: every error of every file, exit 0 or 2.</summary>
public static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Playbook files to validate.",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the errors as a JSON array of {file, line, column, message} and nothing else.",
        };
        var plugins = new Option<string[]>("--plugin")
        {
            Description = "A plugin the cluster knows besides the built-ins (repeat --plugin for each).",
        };

        var command = new Command("validate", """
            Check playbooks and report every error at once, as file:line:col: error: message.
            Exit codes: 0 all valid, 2 at least one error.

            Examples:
              owf validate examples/playbooks/*.yaml
              owf validate --json my-playbook.yaml
              owf validate --plugin render-report pipeline.yaml
            """)
        {
            files,
            json,
            plugins,
        };

        command.SetAction(result =>
        {
            var options = PlaybookValidationOptions.Default.WithPlugins(result.GetValue(plugins) ?? []);
            var diagnostics = new List<Diagnostic>();
            var paths = result.GetValue(files) ?? [];
            if (paths.FirstOrDefault(p => p.StartsWith("--", StringComparison.Ordinal) && !File.Exists(p)) is { } unknown)
            {
                error.WriteLine($"owf: unknown option '{unknown}'. Try 'owf validate --help'.");
                return OwfCommand.Invalid;
            }

            var valid = 0;
            foreach (var path in paths)
            {
                var loaded = PlaybookLoader.LoadFile(path, options);
                diagnostics.AddRange(loaded.Diagnostics);
                if (loaded.IsValid)
                {
                    valid++;
                }
            }

            if (result.GetValue(json))
            {
                var rows = diagnostics.Select(d => new { file = d.File, line = d.Line, column = d.Column, message = d.Message });
                output.WriteLine(JsonSerializer.Serialize(rows, CliJson.Indented));
            }
            else
            {
                foreach (var diagnostic in diagnostics)
                {
                    output.WriteLine(diagnostic.ToString());
                }

                error.WriteLine(diagnostics.Count == 0
                    ? $"{valid} playbook{(valid == 1 ? " is" : "s are")} valid."
                    : $"{diagnostics.Count} error{(diagnostics.Count == 1 ? string.Empty : "s")}; {valid} of {paths.Length} playbook{(paths.Length == 1 ? string.Empty : "s")} valid.");
            }

            return diagnostics.Count == 0 ? OwfCommand.Ok : OwfCommand.Invalid;
        });

        return command;
    }
}
