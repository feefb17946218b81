using System.Runtime.InteropServices;
using System.Text;

namespace SwarmMerge.IO;

/// <summary>
/// Reads input files only when they are what they claim to be: an existing regular file (a FIFO or a device
/// would block or never end, so they are refused before opening), and for text, valid UTF-8.
/// </summary>
public static partial class InputFiles
{
    /// <summary>Throws unless <paramref name="path"/> is an existing regular file (symbolic links are followed).</summary>
    /// <exception cref="FileNotFoundException">Nothing there.</exception>
    /// <exception cref="IOException">A folder, FIFO, device or socket.</exception>
    public static void RequireRegularFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"{path}: is a folder, not a file.");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file.", path);
        }
        if (SpecialKind(path) is { } kind)
        {
            throw new IOException($"{path}: is a {kind}, not a regular file; SwarmMerge reads inputs only from regular files.");
        }
    }

    /// <summary>The bytes of regular file <paramref name="path"/>.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        RequireRegularFile(path);
        return File.ReadAllBytes(path);
    }

    /// <summary>The text of regular file <paramref name="path"/>, which must be UTF-8 (a leading byte-order mark is dropped).</summary>
    /// <exception cref="InvalidDataException">The bytes are not UTF-8; the message gives the offset of the first bad one.</exception>
    public static string ReadAllText(string path) => DecodeUtf8(ReadAllBytes(path), path);

    /// <summary>The lines of UTF-8 text file <paramref name="path"/>, split as <see cref="File.ReadAllLines(string)"/> splits them.</summary>
    public static List<string> ReadAllLines(string path)
    {
        var lines = new List<string>();
        using var reader = new StringReader(ReadAllText(path));
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>Decodes <paramref name="bytes"/> as strict UTF-8 (no silent U+FFFD), dropping a leading byte-order mark.</summary>
    /// <exception cref="InvalidDataException">Not UTF-8; <paramref name="source"/> names the file in the message.</exception>
    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{source}: not valid UTF-8 (byte {e.Index} is not part of a UTF-8 character).");
        }
    }

    /// <summary>"FIFO", "character device", … when <paramref name="path"/> is not a regular file; null when it is or when the platform cannot tell.</summary>
    private static string? SpecialKind(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        int mode;
        try
        {
            mode = FileMode(path);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
        return mode < 0 ? null : (mode & 0xF000) switch
        {
            0x8000 => null,
            0x1000 => "FIFO (named pipe)",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => "special file",
        };
    }

    // statx(2) has the same layout on every Linux architecture (unlike stat): stx_mode is the 16 bits at offset 28.
    private static unsafe int FileMode(string path)
    {
        const int CurrentDirectory = -100, TypeMask = 0x1;
        byte* buffer = stackalloc byte[256];
        return Statx(CurrentDirectory, path, 0, TypeMask, buffer) == 0 ? *(ushort*)(buffer + 28) : -1;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
