using System.Text.RegularExpressions;

namespace Orleans.Workflow.Playbooks.Binding;

/// <summary>The shapes names must have, with the wording used in messages.</summary>
public static partial class Names
{
    public const string PlaybookRule = "lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters";
    public const string IdRule = "letters, digits, '_' or '-', starting with a letter or '_', at most 64 characters";
    public const string ParamRule = "letters, digits or '_', starting with a letter or '_', at most 64 characters";
    public const string QueueRule = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters";
    public const string PluginRule = "letters, digits, '.', '_' or '-', starting with a letter, optionally '@version'";
    public const string EventRule = "letters, digits, '.', '_', ':' or '-', starting with a letter or digit, at most 200 characters";

    public static bool IsPlaybookName(string name) => PlaybookPattern().IsMatch(name);

    public static bool IsId(string name) => IdPattern().IsMatch(name);

    public static bool IsParamName(string name) => ParamPattern().IsMatch(name);

    public static bool IsQueueName(string name) => QueuePattern().IsMatch(name);

    public static bool IsPluginReference(string name) => PluginPattern().IsMatch(name);

    public static bool IsEventName(string name) => EventPattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    private static partial Regex PlaybookPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex ParamPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex QueuePattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{0,99}(@[A-Za-z0-9._-]{1,50})?$")]
    private static partial Regex PluginPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")]
    private static partial Regex EventPattern();
}
