using System.Collections.Immutable;
using Orleans.Workflow.Playbooks.Expressions;
using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Syntax;
using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Binding;

/// <summary>
/// Turns a YAML tree into the typed <see cref="Playbook"/> model, reporting every structural problem
/// (unknown keys, wrong types, bad names, durations, cron, expression syntax) instead of stopping at the first.
/// </summary>
internal sealed partial class PlaybookBinder(string file)
{
    private readonly List<Diagnostic> _diagnostics = [];

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    public Playbook? Bind(YamlNode root, string version)
    {
        if (root is not YamlMapping map)
        {
            Error(root, $"a playbook is a mapping with 'name' and 'tasks', found {root.Describe()}");
            return null;
        }

        CheckKeys(map, Keys.Playbook, "playbook");
        var name = RequiredText(map, "name", "playbook") ?? string.Empty;
        if (map["name"] is YamlScalar { IsNull: false } nameNode && !Names.IsPlaybookName(name))
        {
            Error(nameNode, $"playbook name '{name}' is invalid: use {Names.PlaybookRule}");
        }

        var tasksNode = map["tasks"];
        if (tasksNode is null)
        {
            Error(map, "playbook has no 'tasks'; add at least one task");
        }

        return new Playbook(
            name,
            OptionalText(map, "description"),
            OptionalText(map, "owner"),
            BindLabels(map["labels"]),
            BindParams(map["params"]),
            BindTriggers(map["on"]),
            OptionalInt(map, "concurrency", minimum: 1),
            OptionalDuration(map, "timeout"),
            OptionalBool(map, "fail_fast") ?? false,
            BindDefaults(map["defaults"]),
            tasksNode is null ? [] : BindTasks(tasksNode),
            BindOutputs(map["outputs"], "run outputs"),
            version,
            file);
    }

    private ImmutableSortedDictionary<string, string> BindLabels(YamlNode? node)
    {
        var labels = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (node is null || IsNull(node))
        {
            return labels.ToImmutable();
        }

        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping of label names to text", "labels");
            return labels.ToImmutable();
        }

        foreach (var (key, value) in map.Entries)
        {
            if (value is YamlScalar scalar && !scalar.IsNull)
            {
                labels[key.Value] = scalar.Value;
            }
            else
            {
                Expected(value, "text", $"label '{key.Value}'");
            }
        }

        return labels.ToImmutable();
    }

    private StepDefaults BindDefaults(YamlNode? node)
    {
        if (node is null || IsNull(node))
        {
            return StepDefaults.None;
        }

        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping with 'retry' and 'timeout'", "defaults");
            return StepDefaults.None;
        }

        CheckKeys(map, Keys.Defaults, "defaults");
        return new StepDefaults(BindRetry(map["retry"]), OptionalDuration(map, "timeout"));
    }

    private RetryPolicy? BindRetry(YamlNode? node)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }

        // `retry: 3` is short for `retry: { attempts: 3 }`.
        if (node is YamlScalar scalar)
        {
            if (YamlScalars.TryInteger(scalar, out var count) && count is >= 1 and <= 1000)
            {
                return new RetryPolicy((int)count, RetryDefaults.Delay, RetryDefaults.Backoff, null);
            }

            Expected(node, "a mapping {attempts, delay, backoff, max_delay} or a number of attempts (1 to 1000)", "retry");
            return null;
        }

        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping {attempts, delay, backoff, max_delay}", "retry");
            return null;
        }

        CheckKeys(map, Keys.Retry, "retry");
        var attempts = OptionalInt(map, "attempts", minimum: 1, maximum: 1000) ?? 1;
        var delay = OptionalDuration(map, "delay") ?? RetryDefaults.Delay;
        var backoff = OptionalNumber(map, "backoff") ?? RetryDefaults.Backoff;
        if (backoff < 1.0 || backoff > 100)
        {
            Error(map["backoff"]!, $"'backoff' must be between 1.0 and 100, found {backoff}");
            backoff = RetryDefaults.Backoff;
        }

        var maxDelay = OptionalDuration(map, "max_delay");
        if (maxDelay is { } cap && cap < delay)
        {
            Error(map["max_delay"]!, $"'max_delay' ({Duration.Format(cap)}) is shorter than 'delay' ({Duration.Format(delay)})");
        }

        return new RetryPolicy(attempts, delay, backoff, maxDelay);
    }

    private ImmutableArray<OutputSpec> BindOutputs(YamlNode? node, string what)
    {
        if (node is null || IsNull(node))
        {
            return [];
        }

        if (node is not YamlMapping map)
        {
            Expected(node, "a mapping of output names to values", what);
            return [];
        }

        var outputs = ImmutableArray.CreateBuilder<OutputSpec>();
        foreach (var (key, value) in map.Entries)
        {
            if (!Names.IsId(key.Value))
            {
                Error(key, $"output name '{key.Value}' is invalid: use {Names.IdRule}");
            }

            outputs.Add(new OutputSpec(key.Value, BindValue(value), key.Position));
        }

        return outputs.ToImmutable();
    }

    private static class RetryDefaults
    {
        public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
        public const double Backoff = 2.0;
    }
}
