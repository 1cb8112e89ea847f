using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.Workflow.Cli.Connection;
using Orleans.Workflow.Client;
using Orleans.Workflow.Playbooks;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Cli.Commands;

/// <summary><c>owf playbooks register|list|show|versions|diff|enable|disable</c>: the playbooks a cluster knows.</summary>
public static class PlaybooksCommand
{
    public static Command Create(TextWriter output, TextWriter error) => new("playbooks", $"""
        The playbooks a cluster knows: register them, list them, show a version, list versions, diff two,
        enable and disable one. {ClusterCommand.NeedsCluster}

        Examples:
          owf playbooks register examples/playbooks/ --cluster "Host=db;Username=owf;Password=...;Database=owf"
          owf playbooks list
          owf playbooks diff etl 1 2
        """)
    {
        Register(output, error),
        List(output, error),
        Show(output, error),
        Versions(output, error),
        Diff(output, error),
        Enable(output, error),
        Disable(output, error),
    };

    private static Command Register(TextWriter output, TextWriter error)
    {
        var paths = new Argument<string[]>("FILE_OR_DIR")
        {
            Description = "Playbook files, or folders whose *.yaml and *.yml files are all registered.",
            Arity = ArgumentArity.OneOrMore,
        };
        var plugins = new Option<string[]>("--plugin")
        {
            Description = "A plugin the cluster knows besides the built-ins (repeat --plugin for each), so files using it validate here.",
        };
        var json = new Option<bool>("--json") { Description = "Print one {file, name, version, number, outcome, errors} object per file as a JSON array." };
        var cluster = ClusterOption.Create();
        var command = new Command("register", $"""
            Register playbooks: each file is validated and stored as a new version of the playbook it names
            (same content: nothing changes; the content of an older version makes that version current again).
            Runs in flight keep the version they started with.
            Exit codes: 0 every file registered, 2 a file does not validate or cannot be read (the others are
            still registered), or no cluster, 3 the cluster could not be reached.
            {ClusterCommand.NeedsCluster} Without one, the files are only validated and nothing is registered (exit 2).

            Examples:
              owf playbooks register etl.yaml --cluster "Host=db;Username=owf;Password=...;Database=owf"
              owf playbooks register playbooks/ --json
            """)
        {
            paths,
            plugins,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => RegisterAsync(
            result.GetValue(paths) ?? [],
            PlaybookValidationOptions.Default.WithPlugins(result.GetValue(plugins) ?? []),
            result.GetValue(json),
            OwfConnection.ClusterFrom(result.GetValue(cluster)),
            output,
            error,
            cancellationToken));
        return command;
    }

    private sealed record Loaded(string File, string? Name, string? Yaml, IReadOnlyList<string> Errors);

    private static async Task<int> RegisterAsync(string[] paths, PlaybookValidationOptions options, bool json, string? cluster, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var files = new List<Loaded>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var inFolder = Directory.EnumerateFiles(path, "*.yaml").Concat(Directory.EnumerateFiles(path, "*.yml")).Order(StringComparer.Ordinal).ToList();
                if (inFolder.Count == 0)
                {
                    files.Add(new Loaded(path, null, null, [$"{path}: the folder holds no *.yaml or *.yml files"]));
                }

                files.AddRange(inFolder.Select(file => Load(file, options)));
            }
            else if (File.Exists(path))
            {
                files.Add(Load(path, options));
            }
            else
            {
                files.Add(new Loaded(path, null, null, [$"{path}: no such file or folder"]));
            }
        }

        foreach (var problem in files.SelectMany(f => f.Errors))
        {
            await error.WriteLineAsync(problem);
        }

        if (cluster is null)
        {
            var valid = files.Count(f => f.Errors.Count == 0);
            await error.WriteLineAsync($"owf: {valid} of {files.Count} file(s) validate, but none was registered: a playbook registered on an embedded silo would be forgotten when owf exits.");
            await error.WriteLineAsync(ClusterCommand.NoCluster("playbooks register"));
            return OwfCommand.Invalid;
        }

        return await ClusterCommand.RunAsync("playbooks register", cluster, error, async connection =>
        {
            var client = connection.Client;
            var results = new JsonArray();
            var rows = new List<IReadOnlyList<string>>();
            var failed = files.Any(f => f.Errors.Count > 0);
            foreach (var file in files)
            {
                if (file.Errors.Count > 0)
                {
                    results.Add(new JsonObject { ["file"] = file.File, ["name"] = file.Name, ["version"] = null, ["number"] = null, ["outcome"] = "invalid", ["errors"] = new JsonArray([.. file.Errors.Select(e => (JsonNode)e)]) });
                    continue;
                }

                var name = file.Name!;
                var before = await client.GetPlaybookAsync(name);
                string version;
                try
                {
                    version = await client.RegisterPlaybookAsync(name, file.Yaml!, file.File);
                }
                catch (PlaybookInvalidException ex)
                {
                    // The cluster's validation has the last word (its plugins, its limits).
                    failed = true;
                    foreach (var message in ex.Errors)
                    {
                        await error.WriteLineAsync(message);
                    }

                    results.Add(new JsonObject { ["file"] = file.File, ["name"] = name, ["version"] = null, ["number"] = null, ["outcome"] = "invalid", ["errors"] = new JsonArray([.. ex.Errors.Select(e => (JsonNode)e)]) });
                    continue;
                }

                var versions = await client.ListVersionsAsync(name);
                var number = versions.FirstOrDefault(v => v.Version == version)?.Number ?? 0;
                var outcome = before?.Current == version ? "unchanged"
                    : number <= (before?.Versions ?? 0) ? "made current"
                    : "new version";
                results.Add(new JsonObject { ["file"] = file.File, ["name"] = name, ["version"] = version, ["number"] = number, ["outcome"] = outcome, ["errors"] = new JsonArray() });
                rows.Add([name, number.ToString(CultureInfo.InvariantCulture), ContentHash.Short(version), outcome, file.File]);
            }

            if (json)
            {
                await output.WriteLineAsync(results.ToJsonString(CliJson.Indented));
            }
            else if (rows.Count > 0)
            {
                await Table.WriteAsync(output, ["NAME", "VERSION", "HASH", "OUTCOME", "FILE"], rows);
            }

            if (failed)
            {
                await error.WriteLineAsync($"owf: {results.Count(r => r!["outcome"]!.GetValue<string>() == "invalid")} file(s) not registered; fix them (owf validate FILE) and register again");
            }

            return failed ? OwfCommand.Invalid : OwfCommand.Ok;
        }, cancellationToken);
    }

    private static Loaded Load(string file, PlaybookValidationOptions options)
    {
        var loaded = PlaybookLoader.LoadFile(file, options);
        if (!loaded.IsValid)
        {
            return new Loaded(file, loaded.Playbook?.Name, null, [.. loaded.Diagnostics.Select(d => d.ToString())]);
        }

        try
        {
            return new Loaded(file, loaded.Playbook!.Name, File.ReadAllText(file), []);
        }
        catch (IOException ex)
        {
            return new Loaded(file, null, null, [$"{file}: cannot read it: {ex.Message}"]);
        }
    }

    private static Command List(TextWriter output, TextWriter error)
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {name, current, versions, enabled, disabled_reason, registered_at}." };
        var cluster = ClusterOption.Create();
        var command = new Command("list", $"""
            List the registered playbooks: name, number of versions, current version, enabled or not.
            Exit codes: 0 listed (also when there are none), 2 no cluster, 3 the cluster could not be reached.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf playbooks list --cluster "Host=db;Username=owf;Password=...;Database=owf"
              OWF_CLUSTER="Host=db;..." owf playbooks list --json
            """)
        {
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("playbooks list", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var infos = new List<PlaybookInfo>();
            foreach (var name in await connection.Client.ListPlaybooksAsync())
            {
                if (await connection.Client.GetPlaybookAsync(name) is { } info)
                {
                    infos.Add(info);
                }
            }

            if (result.GetValue(json))
            {
                await output.WriteLineAsync(new JsonArray([.. infos.Select(i => (JsonNode)InfoJson(i))]).ToJsonString(CliJson.Indented));
            }
            else if (infos.Count == 0)
            {
                await output.WriteLineAsync($"no playbooks registered in {connection.Describe()} (owf playbooks register FILE)");
            }
            else
            {
                await Table.WriteAsync(
                    output,
                    ["NAME", "VERSIONS", "CURRENT", "ENABLED", "REGISTERED"],
                    infos.Select(i => (IReadOnlyList<string>)[i.Name, i.Versions.ToString(CultureInfo.InvariantCulture), ContentHash.Short(i.Current), Enabled(i.Enabled, i.DisabledReason), ClusterCommand.Local(i.RegisteredAt)]));
            }

            return OwfCommand.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Show(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "The playbook's name." };
        var version = new Option<string?>("--version") { Description = "Which version: its number (owf playbooks versions), or its hash or a unique prefix of it. Default: the current one." };
        var json = new Option<bool>("--json") { Description = "Print {name, version, number, current, file, registered_at, enabled, disabled_reason, yaml}." };
        var cluster = ClusterOption.Create();
        var command = new Command("show", $"""
            Show a playbook version: its number, hash, file, when it was registered, whether the playbook is
            enabled, and its YAML.
            Exit codes: 0 shown, 2 an ambiguous --version or no cluster, 3 the cluster could not be reached,
            4 no such playbook or version.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf playbooks show etl
              owf playbooks show etl --version 2
              owf playbooks show etl --version 6f2888f9 --json
            """)
        {
            name,
            version,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("playbooks show", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var playbook = result.GetValue(name)!;
            var (found, exit) = await FindVersionAsync(connection, playbook, result.GetValue(version), error);
            if (found is null)
            {
                return exit;
            }

            var info = await connection.Client.GetPlaybookAsync(playbook);
            var source = await connection.Client.GetPlaybookSourceAsync(playbook, found.Version);
            if (info is null || source is null)
            {
                await error.WriteLineAsync($"owf: playbook '{playbook}' version {found.Number} is no longer there");
                return OwfCommand.NotFound;
            }

            if (result.GetValue(json))
            {
                await output.WriteLineAsync(new JsonObject
                {
                    ["name"] = playbook,
                    ["version"] = found.Version,
                    ["number"] = found.Number,
                    ["current"] = found.Current,
                    ["file"] = source.File,
                    ["registered_at"] = ClusterCommand.Iso(source.RegisteredAt),
                    ["enabled"] = info.Enabled,
                    ["disabled_reason"] = info.DisabledReason,
                    ["yaml"] = source.Yaml,
                }.ToJsonString(CliJson.Indented));
                return OwfCommand.Ok;
            }

            await Table.WriteAsync(output, ["playbook", playbook], [
                ["version", $"{found.Number} of {info.Versions}{(found.Current ? " (current)" : string.Empty)}"],
                ["hash", found.Version],
                ["file", source.File],
                ["registered", ClusterCommand.Local(source.RegisteredAt)],
                ["enabled", Enabled(info.Enabled, info.DisabledReason)],
            ]);
            await output.WriteLineAsync();
            await output.WriteAsync(source.Yaml.EndsWith('\n') ? source.Yaml : source.Yaml + "\n");
            return OwfCommand.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Versions(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "The playbook's name." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {number, version, file, registered_at, current}." };
        var cluster = ClusterOption.Create();
        var command = new Command("versions", $"""
            List every version of a playbook, oldest first, numbered from 1; '*' marks the current one.
            Exit codes: 0 listed, 2 no cluster, 3 the cluster could not be reached, 4 no such playbook.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf playbooks versions etl
              owf playbooks versions etl --json
            """)
        {
            name,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("playbooks versions", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var playbook = result.GetValue(name)!;
            var versions = await connection.Client.ListVersionsAsync(playbook);
            if (versions.Count == 0)
            {
                await error.WriteLineAsync(NoPlaybook(playbook, connection));
                return OwfCommand.NotFound;
            }

            if (result.GetValue(json))
            {
                await output.WriteLineAsync(new JsonArray([.. versions.Select(v => (JsonNode)new JsonObject
                {
                    ["number"] = v.Number,
                    ["version"] = v.Version,
                    ["file"] = v.File,
                    ["registered_at"] = ClusterCommand.Iso(v.RegisteredAt),
                    ["current"] = v.Current,
                })]).ToJsonString(CliJson.Indented));
            }
            else
            {
                await Table.WriteAsync(
                    output,
                    ["", "NUMBER", "HASH", "REGISTERED", "FILE"],
                    versions.Select(v => (IReadOnlyList<string>)[v.Current ? "*" : "", v.Number.ToString(CultureInfo.InvariantCulture), ContentHash.Short(v.Version), ClusterCommand.Local(v.RegisteredAt), v.File]));
            }

            return OwfCommand.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Diff(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "The playbook's name." };
        var from = new Argument<string>("A") { Description = "The older version: a number (owf playbooks versions) or a hash prefix." };
        var to = new Argument<string?>("B") { Description = "The newer version (default: the current one).", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print {name, a, b, same, diff} (a and b: {number, version})." };
        var cluster = ClusterOption.Create();
        var command = new Command("diff", $"""
            Show what changed between two versions of a playbook, as a unified diff of their YAML.
            Exit codes (like diff(1)): 0 the versions are the same, 1 they differ, 2 an ambiguous version or no
            cluster, 3 the cluster could not be reached, 4 no such playbook or version.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf playbooks diff etl 1 2
              owf playbooks diff etl 3          # version 3 against the current one
              owf playbooks diff etl 6f2888f9 a41c09
            """)
        {
            name,
            from,
            to,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) => ClusterCommand.RunAsync("playbooks diff", OwfConnection.ClusterFrom(result.GetValue(cluster)), error, async connection =>
        {
            var playbook = result.GetValue(name)!;
            var (a, exitA) = await FindVersionAsync(connection, playbook, result.GetValue(from), error);
            if (a is null)
            {
                return exitA;
            }

            var (b, exitB) = await FindVersionAsync(connection, playbook, result.GetValue(to), error);
            if (b is null)
            {
                return exitB;
            }

            var before = await connection.Client.GetPlaybookSourceAsync(playbook, a.Version);
            var after = await connection.Client.GetPlaybookSourceAsync(playbook, b.Version);
            if (before is null || after is null)
            {
                await error.WriteLineAsync($"owf: a version of playbook '{playbook}' is no longer there");
                return OwfCommand.NotFound;
            }

            var diff = PlaybookDiff.Unified(before.Yaml, after.Yaml, Label(playbook, a), Label(playbook, b));
            if (result.GetValue(json))
            {
                await output.WriteLineAsync(new JsonObject
                {
                    ["name"] = playbook,
                    ["a"] = new JsonObject { ["number"] = a.Number, ["version"] = a.Version },
                    ["b"] = new JsonObject { ["number"] = b.Number, ["version"] = b.Version },
                    ["same"] = diff.Length == 0,
                    ["diff"] = diff,
                }.ToJsonString(CliJson.Indented));
            }
            else if (diff.Length > 0)
            {
                await output.WriteAsync(diff);
            }

            return diff.Length == 0 ? OwfCommand.Ok : OwfCommand.Failed;
        }, cancellationToken));
        return command;
    }

    private static string Label(string name, PlaybookVersionInfo version) => $"{name} version {version.Number} ({ContentHash.Short(version.Version)})";

    private static Command Enable(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "The playbook's name." };
        var json = new Option<bool>("--json") { Description = "Print {name, applied, message}." };
        var cluster = ClusterOption.Create();
        var command = new Command("enable", $"""
            Enable a playbook again, so runs of it can start.
            Exit codes: 0 enabled, 1 it was not disabled (nothing changed; the message says so), 2 no cluster,
            3 the cluster could not be reached, 4 no such playbook.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf playbooks enable etl
            """)
        {
            name,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
            SetEnabledAsync(result.GetValue(name)!, true, null, result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), output, error, cancellationToken));
        return command;
    }

    private static Command Disable(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("NAME") { Description = "The playbook's name." };
        var reason = new Option<string?>("--reason") { Description = "Why, shown by owf playbooks list and show." };
        var json = new Option<bool>("--json") { Description = "Print {name, applied, message}." };
        var cluster = ClusterOption.Create();
        var command = new Command("disable", $"""
            Disable a playbook: it starts no runs (a start is refused, saying how to enable it) until enabled
            again. Runs already going on are not affected.
            Exit codes: 0 disabled, 1 it was already disabled (nothing changed; the message says so), 2 no
            cluster, 3 the cluster could not be reached, 4 no such playbook.
            {ClusterCommand.NeedsCluster}

            Examples:
              owf playbooks disable etl --reason "source system migration until Monday"
            """)
        {
            name,
            reason,
            json,
            cluster,
        };
        command.SetAction((result, cancellationToken) =>
            SetEnabledAsync(result.GetValue(name)!, false, result.GetValue(reason), result.GetValue(json), OwfConnection.ClusterFrom(result.GetValue(cluster)), output, error, cancellationToken));
        return command;
    }

    private static Task<int> SetEnabledAsync(string name, bool enabled, string? reason, bool json, string? cluster, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        ClusterCommand.RunAsync(enabled ? "playbooks enable" : "playbooks disable", cluster, error, async connection =>
        {
            if (await connection.Client.GetPlaybookAsync(name) is null)
            {
                await error.WriteLineAsync(NoPlaybook(name, connection));
                return OwfCommand.NotFound;
            }

            var answer = await connection.Client.SetPlaybookEnabledAsync(name, enabled, reason);
            return await ClusterCommand.AnswerAsync(answer.Outcome, answer.Message, json ? new JsonObject { ["name"] = name } : null, output, error);
        }, cancellationToken);

    private static string NoPlaybook(string name, OwfConnection connection) =>
        $"owf: no playbook '{name}' in {connection.Describe()}; owf playbooks list shows the registered ones, owf playbooks register FILE adds one";

    private static string Enabled(bool enabled, string? reason) => enabled ? "yes" : reason is { Length: > 0 } why ? $"no ({why})" : "no";

    /// <summary>
    /// The version <paramref name="text"/> names (a number, a hash or a unique prefix; null: the current one), or null
    /// with the exit code after saying why: 4 no such playbook or version, 2 a prefix that matches several.
    /// </summary>
    private static async Task<(PlaybookVersionInfo? Version, int Exit)> FindVersionAsync(OwfConnection connection, string name, string? text, TextWriter error)
    {
        var versions = await connection.Client.ListVersionsAsync(name);
        if (versions.Count == 0)
        {
            await error.WriteLineAsync(NoPlaybook(name, connection));
            return (null, OwfCommand.NotFound);
        }

        if (text is null)
        {
            return (versions.First(v => v.Current), OwfCommand.Ok);
        }

        var matches = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? versions.Where(v => v.Number == number).ToList()
            : versions.Where(v => v.Version.StartsWith(text, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 1)
        {
            return (matches[0], OwfCommand.Ok);
        }

        if (matches.Count > 1)
        {
            await error.WriteLineAsync($"owf: version '{text}' of playbook '{name}' matches {matches.Count} versions ({string.Join(", ", matches.Select(m => ContentHash.Short(m.Version)))}); give more of the hash, or the number");
            return (null, OwfCommand.Invalid);
        }

        await error.WriteLineAsync($"owf: playbook '{name}' has no version '{text}'; it has versions 1 to {versions.Count} (owf playbooks versions {name})");
        return (null, OwfCommand.NotFound);
    }

    private static JsonObject InfoJson(PlaybookInfo info) => new()
    {
        ["name"] = info.Name,
        ["current"] = info.Current,
        ["versions"] = info.Versions,
        ["enabled"] = info.Enabled,
        ["disabled_reason"] = info.DisabledReason,
        ["registered_at"] = ClusterCommand.Iso(info.RegisteredAt),
    };
}
