using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recurrent.Data;

/// <summary>
/// Strict reading of the preprocessing state saved in model files (tokenizer, scalers): every key is checked for
/// presence and type, unknown keys are refused, and every problem becomes an <see cref="InvalidDataException"/>
/// naming the source, the owner and the key.
/// </summary>
internal sealed class JsonFields
{
    private readonly JsonObject _object;
    private readonly string _source;
    private readonly string _owner;

    private JsonFields(JsonObject obj, string source, string owner) => (_object, _source, _owner) = (obj, source, owner);

    /// <summary>Opens <paramref name="node"/>, which must be a JSON object.</summary>
    public static JsonFields Open(JsonNode? node, string source, string owner) =>
        node is JsonObject obj ? new JsonFields(obj, source, owner)
            : throw new InvalidDataException($"{source}: {owner} state must be a JSON object, got {Describe(node)}.");

    /// <summary>The error for <paramref name="key"/>, worded "source: owner key 'key' problem."</summary>
    public InvalidDataException Error(string key, string problem) => new($"{_source}: {_owner} key '{key}' {problem}.");

    /// <summary>Refuses any key not in <paramref name="known"/>, so a typo or a newer format is reported, not ignored.</summary>
    public void OnlyKeys(params string[] known)
    {
        foreach (var (key, _) in _object)
            if (!known.Contains(key))
                throw new InvalidDataException($"{_source}: {_owner} has unknown key '{key}' (known: {string.Join(", ", known)}).");
    }

    /// <summary>The node at <paramref name="key"/>; the key must be present (its value may be JSON null).</summary>
    public JsonNode? Node(string key) =>
        _object.TryGetPropertyValue(key, out JsonNode? node) ? node : throw Error(key, "is missing");

    /// <summary>A required string.</summary>
    public string String(string key) => NullableString(key) ?? throw Error(key, "must be a string, got null");

    /// <summary>A string or JSON null.</summary>
    public string? NullableString(string key) => Node(key) switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        var other => throw Error(key, $"must be a string, got {Describe(other)}"),
    };

    /// <summary>A required boolean.</summary>
    public bool Bool(string key) => Node(key) switch
    {
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        var other => throw Error(key, $"must be true or false, got {Describe(other)}"),
    };

    /// <summary>A required integer.</summary>
    public int Int(string key) => NullableInt(key) ?? throw Error(key, "must be an integer, got null");

    /// <summary>An integer or JSON null.</summary>
    public int? NullableInt(string key) => Node(key) is { } node ? Integer(node, key) : null;

    /// <summary>A required array of finite numbers.</summary>
    public double[] Doubles(string key) => Node(key) is JsonArray array
        ? array.Select((item, i) => Number(item, $"{key}[{i}]")).ToArray()
        : throw Error(key, $"must be an array of numbers, got {Describe(Node(key))}");

    /// <summary>
    /// A required JSON object, also accepted as a string holding JSON, which is how Keras' <c>Tokenizer.to_json</c>
    /// stores its dictionaries.
    /// </summary>
    public JsonFields Object(string key)
    {
        JsonNode? node = Node(key);
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            try { node = JsonNode.Parse(value.GetValue<string>(), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }); }
            catch (JsonException e) { throw new InvalidDataException($"{_source}: {_owner} key '{key}' holds a string that is not valid JSON ({e.Message}).", e); }
        }
        return node is JsonObject obj ? new JsonFields(obj, _source, $"{_owner} '{key}'")
            : throw Error(key, $"must be a JSON object, got {Describe(node)}");
    }

    /// <summary>The entries of this object, in file order.</summary>
    public IEnumerable<(string Key, JsonNode? Value)> Entries => _object.Select(pair => (pair.Key, pair.Value));

    /// <summary>The integer value of <paramref name="node"/>, an entry of this object at <paramref name="key"/>.</summary>
    public int Integer(JsonNode? node, string key) =>
        TryNumber(node) is double number && number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue
            ? (int)number : throw Error(key, $"must be an integer, got {Describe(node)}");

    /// <summary>The finite number at <paramref name="node"/>, an entry of this object at <paramref name="key"/>.</summary>
    public double Number(JsonNode? node, string key) =>
        TryNumber(node) ?? throw Error(key, $"must be a finite number, got {Describe(node)}");

    // Read from the JSON text, so that every in-memory numeric type (int, long, double, a parsed element) is accepted.
    private static double? TryNumber(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
        && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number)
            ? number : null;

    // Bounded so that a huge wrong value does not flood the message.
    private static string Describe(JsonNode? node) =>
        node is null ? "null" : node.ToJsonString() is var text && text.Length > 60 ? text[..57] + "..." : text;
}
