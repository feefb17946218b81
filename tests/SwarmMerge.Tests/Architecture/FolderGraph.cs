using System.Reflection;

namespace SwarmMerge.Tests.Architecture;

/// <summary>
/// Which folder of an assembly uses which: an edge A → B for every type of folder A that uses a type of folder B
/// (<see cref="TypeReferences"/>), with one such pair of types kept as the edge's example. A folder is a namespace
/// below the assembly's root namespace, cut to <c>depth</c> segments (1: the top-level folders).
/// </summary>
sealed class FolderGraph
{
    readonly Dictionary<string, Dictionary<string, string>> edges = [];

    /// <summary>The graph of the given edges (from, to, example).</summary>
    public FolderGraph(IEnumerable<(string From, string To, string Example)> edges)
    {
        foreach (var (from, to, example) in edges)
        {
            if (from == to) continue;
            if (!this.edges.TryGetValue(from, out var targets)) this.edges[from] = targets = [];
            targets.TryAdd(to, example);
        }
    }

    /// <summary>The folders of <paramref name="assembly"/> (root namespace <paramref name="root"/>) and their uses.</summary>
    public static FolderGraph Of(Assembly assembly, string root, int depth) => new(
        from type in assembly.GetTypes()
        where type.DeclaringType is null
        let user = FolderOf(type, root, depth)
        where user is not null
        from used in TypeReferences.Of(type).Distinct()
        where used.Assembly == assembly
        let usedFolder = FolderOf(used, root, depth)
        where usedFolder is not null
        select (user, usedFolder, $"{type.FullName} uses {used.FullName}"));

    /// <summary>Every folder that uses or is used.</summary>
    public IEnumerable<string> Folders => edges.Keys.Concat(edges.Values.SelectMany(t => t.Keys)).Distinct();

    /// <summary>Whether some type of <paramref name="from"/> uses one of <paramref name="to"/>.</summary>
    public bool Uses(string from, string to) => edges.TryGetValue(from, out var t) && t.ContainsKey(to);

    /// <summary>One pair of types behind the use <paramref name="from"/> → <paramref name="to"/>.</summary>
    public string Example(string from, string to) => edges[from][to];

    /// <summary>Every cycle's folders (strongly connected components of more than one folder), each with its edges.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var cycles = new List<string>();
        foreach (var component in Components().Where(c => c.Count > 1))
        {
            var lines = from user in component.Order(StringComparer.Ordinal)
                        from edge in edges[user].Where(e => component.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal)
                        select $"  {user} → {edge.Key} ({edge.Value})";
            cycles.Add($"{string.Join(" ↔ ", component.Order(StringComparer.Ordinal))}:\n{string.Join("\n", lines)}");
        }
        return cycles;
    }

    static string? FolderOf(Type type, string root, int depth)
    {
        var ns = type.Namespace;
        if (ns is null || ns == root) return ns == root ? "(root)" : null;
        if (!ns.StartsWith(root + ".", StringComparison.Ordinal)) return null;
        return string.Join('.', ns[(root.Length + 1)..].Split('.').Take(depth));
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    List<HashSet<string>> Components()
    {
        var nodes = Folders.Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<HashSet<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in edges.TryGetValue(node, out var t) ? t.Keys.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(next)) { Visit(next); low[node] = Math.Min(low[node], low[next]); }
                else if (onStack.Contains(next)) low[node] = Math.Min(low[node], index[next]);
            }
            if (low[node] != index[node]) return;
            var component = new HashSet<string>();
            string member;
            do { member = stack.Pop(); onStack.Remove(member); component.Add(member); } while (member != node);
            components.Add(component);
        }

        foreach (var node in nodes) if (!index.ContainsKey(node)) Visit(node);
        return components;
    }
}
