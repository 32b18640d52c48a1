namespace Doorbuster.Deployment.Tests;

/// <summary>The checkout the tests run in: the nearest folder above the test binaries that holds <c>Orleans.sln</c>.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> s_fullPath = new(Find);

    public static string FullPath => s_fullPath.Value;

    /// <summary>An absolute path from a path relative to the repository root (forward slashes).</summary>
    public static string Combine(string relativePath) =>
        Path.Combine(FullPath, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>A repository-relative path with forward slashes, for messages and filters.</summary>
    public static string Relative(string fullPath) =>
        Path.GetRelativePath(FullPath, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Orleans.sln in {AppContext.BaseDirectory} or any folder above it.");
    }
}
