using SwarmMerge.IO;

namespace SwarmMerge.Tests;

/// <summary>The output folder appears complete at commit, or not at all.</summary>
public sealed class AtomicDirectoryTests : IDisposable
{
    private readonly TestModels.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string[] ParentEntries() => Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Commit_moves_the_temporary_folder_into_place()
    {
        string destination = _temp["out"];
        using (var atomic = new AtomicDirectory(destination, overwrite: false))
        {
            File.WriteAllText(Path.Combine(atomic.TemporaryPath, "model.safetensors"), "new");
            Assert.False(Directory.Exists(destination));

            atomic.Commit();

            Assert.False(Directory.Exists(atomic.TemporaryPath));
        }
        Assert.Equal("new", File.ReadAllText(Path.Combine(destination, "model.safetensors")));
        Assert.Equal(["out"], ParentEntries());
    }

    [Fact]
    public void Dispose_without_commit_removes_the_temporary_folder_and_creates_no_destination()
    {
        string temporary;
        using (var atomic = new AtomicDirectory(_temp["out"], overwrite: false))
        {
            temporary = atomic.TemporaryPath;
            File.WriteAllText(Path.Combine(temporary, "half-written"), "x");
        }
        Assert.False(Directory.Exists(temporary));
        Assert.False(Directory.Exists(_temp["out"]));
        Assert.Empty(ParentEntries());
    }

    [Fact]
    public void Non_empty_destination_is_refused_without_overwrite_and_left_untouched()
    {
        string destination = _temp["out"];
        Directory.CreateDirectory(destination);
        File.WriteAllText(Path.Combine(destination, "old.txt"), "old");

        var ex = Assert.Throws<IOException>(() => new AtomicDirectory(destination, overwrite: false));

        Assert.Contains(destination, ex.Message);
        Assert.Equal("old", File.ReadAllText(Path.Combine(destination, "old.txt")));
        Assert.Single(Directory.GetFileSystemEntries(destination));
        Assert.Equal(["out"], ParentEntries()); // no temporary folder left behind
    }

    [Fact]
    public void Empty_destination_is_accepted_without_overwrite()
    {
        string destination = _temp["out"];
        Directory.CreateDirectory(destination);
        using (var atomic = new AtomicDirectory(destination, overwrite: false))
        {
            File.WriteAllText(Path.Combine(atomic.TemporaryPath, "new.txt"), "new");
            atomic.Commit();
        }
        Assert.Equal("new", File.ReadAllText(Path.Combine(destination, "new.txt")));
    }

    [Fact]
    public void Destination_that_is_a_file_is_refused()
    {
        File.WriteAllText(_temp["out"], "file");
        Assert.Throws<IOException>(() => new AtomicDirectory(_temp["out"], overwrite: true));
        Assert.Equal("file", File.ReadAllText(_temp["out"]));
    }

    [Fact]
    public void Overwrite_keeps_the_old_content_until_commit()
    {
        string destination = _temp["out"];
        Directory.CreateDirectory(destination);
        File.WriteAllText(Path.Combine(destination, "old.txt"), "old");

        using (var atomic = new AtomicDirectory(destination, overwrite: true))
        {
            File.WriteAllText(Path.Combine(atomic.TemporaryPath, "new.txt"), "new");
            Assert.Equal("old", File.ReadAllText(Path.Combine(destination, "old.txt")));
            Assert.False(File.Exists(Path.Combine(destination, "new.txt")));

            atomic.Commit();
        }

        Assert.Equal(["new.txt"], Directory.GetFileSystemEntries(destination).Select(Path.GetFileName));
        Assert.Equal(["out"], ParentEntries()); // the displaced old folder is gone too
    }

    [Fact]
    public void Overwrite_without_commit_leaves_the_old_content()
    {
        string destination = _temp["out"];
        Directory.CreateDirectory(destination);
        File.WriteAllText(Path.Combine(destination, "old.txt"), "old");

        using (var atomic = new AtomicDirectory(destination, overwrite: true))
        {
            File.WriteAllText(Path.Combine(atomic.TemporaryPath, "new.txt"), "new");
        }

        Assert.Equal(["old.txt"], Directory.GetFileSystemEntries(destination).Select(Path.GetFileName));
        Assert.Equal(["out"], ParentEntries());
    }

    [Fact]
    public void A_commit_that_fails_puts_the_old_content_back()
    {
        string destination = _temp["out"];
        Directory.CreateDirectory(destination);
        File.WriteAllText(Path.Combine(destination, "old.txt"), "old");

        using (var atomic = new AtomicDirectory(destination, overwrite: true))
        {
            Directory.Delete(atomic.TemporaryPath, recursive: true); // the new folder vanished: its move must fail
            Assert.ThrowsAny<IOException>(atomic.Commit);
        }

        Assert.Equal(["old.txt"], Directory.GetFileSystemEntries(destination).Select(Path.GetFileName));
        Assert.Equal(["out"], ParentEntries());
    }

    [Fact]
    public void Temporary_folder_is_a_hidden_sibling_of_the_destination()
    {
        using var atomic = new AtomicDirectory(_temp["out"], overwrite: false);

        Assert.Equal(_temp.Path, Path.GetDirectoryName(atomic.TemporaryPath));
        Assert.StartsWith(".", Path.GetFileName(atomic.TemporaryPath));
        Assert.True(Directory.Exists(atomic.TemporaryPath));
        Assert.Equal(_temp["out"], atomic.Destination);
    }

    [Fact]
    public void Trailing_separator_and_missing_parents_are_handled()
    {
        string destination = Path.Combine(_temp.Path, "a", "b", "out");
        using (var atomic = new AtomicDirectory(destination + Path.DirectorySeparatorChar, overwrite: false))
        {
            Assert.Equal(destination, atomic.Destination);
            Assert.Equal(Path.Combine(_temp.Path, "a", "b"), Path.GetDirectoryName(atomic.TemporaryPath));
            atomic.Commit();
        }
        Assert.True(Directory.Exists(destination));
    }
}
