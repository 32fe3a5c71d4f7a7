using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Applications;

/// <summary>
/// Model files of the three applications: the preprocessing state records which application made the file,
/// so a verb given a model of another kind says so instead of producing nonsense.
/// </summary>
public static class ApplicationFile
{
    /// <summary>Saves the model with its preprocessing state, tagged with <paramref name="application"/>.</summary>
    public static void Save(string path, Sequential<float> model, string application, JsonObject state)
    {
        state["application"] = application;
        ModelFile.Save(path, model, state);
    }

    /// <summary>Loads a model file made by <paramref name="application"/> ("classify", "generate", "forecast").</summary>
    /// <exception cref="InvalidModelFileException">Not a model file, or one made by another application.</exception>
    public static (Sequential<float> Model, JsonObject State) Load(string path, string application)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such model file.", path);
        LoadedModel<float> loaded = ModelFile.Load<float>(path);
        if (loaded.Preprocessing is not JsonObject state || state["application"]?.ToString() is not string kind)
            throw new InvalidModelFileException($"{path}: the model has no application state; it was not made by `recurrent train`.");
        if (kind != application)
            throw new InvalidModelFileException($"{path}: this is a '{kind}' model, but this command needs a '{application}' model.");
        return (loaded.Model, state);
    }

    /// <summary>The application that made a model file, or null.</summary>
    public static string? KindOf(string path) =>
        ModelFile.Load<float>(path).Preprocessing?["application"]?.ToString();
}
