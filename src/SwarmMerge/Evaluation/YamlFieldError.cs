using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization.NamingConventions;

namespace SwarmMerge.Evaluation;

/// <summary>
/// Turns YamlDotNet's deserialization errors into what a user can act on: the key, and what its value must be
/// ("'max_new_tokens' must be a whole number, not 'many'"), or the unknown key and the known ones.
/// </summary>
internal static class YamlFieldError
{
    /// <summary>Describes <paramref name="error"/> in <paramref name="text"/>, whose mappings bind to the properties of <paramref name="shapes"/>.</summary>
    public static string Describe(YamlException error, string text, params Type[] shapes)
    {
        string message = (error.InnerException ?? error).Message;
        var properties = shapes.SelectMany(t => t.GetProperties()).ToList();
        string Name(PropertyInfo p) => UnderscoredNamingConvention.Instance.Apply(p.Name);
        foreach (var (mapping, key, value) in Entries(text))
        {
            if (key.Start.Equals(error.Start) && key is YamlScalarNode { Value: { } unknown } && properties.All(p => Name(p) != unknown))
            {
                var siblings = mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ToHashSet();
                var shape = shapes.MaxBy(t => t.GetProperties().Count(p => siblings.Contains(Name(p))))!;
                return $"unknown key '{unknown}' (known: {string.Join(", ", shape.GetProperties().Select(Name))}).";
            }
            if (value.Start.Equals(error.Start) && key is YamlScalarNode { Value: { } name } && properties.FirstOrDefault(p => Name(p) == name) is { } property)
            {
                string given = value is YamlScalarNode scalar ? $"'{scalar.Value}'" : value is YamlSequenceNode ? "a list" : "a mapping";
                return $"'{name}' must be {Expected(property.PropertyType)}, not {given}.";
            }
        }
        return message;
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(int) ? "a whole number"
            : type == typeof(double) ? "a number"
            : type == typeof(bool) ? "true or false"
            : type == typeof(string) ? "a single value"
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? "a list"
            : "a mapping";
    }

    // Every mapping entry of the document; nothing when the text cannot be read as a node tree (e.g. duplicate keys).
    private static IEnumerable<(YamlMappingNode Mapping, YamlNode Key, YamlNode Value)> Entries(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException)
        {
            return [];
        }
        return stream.Documents.SelectMany(d => d.AllNodes).OfType<YamlMappingNode>()
            .SelectMany(m => m.Children.Select(c => (m, c.Key, c.Value)));
    }
}
