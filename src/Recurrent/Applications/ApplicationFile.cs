using System.Text.Json.Nodes;
using Recurrent.IO;
using Recurrent.Models;

namespace Recurrent.Applications;

/// <summary>
/// Model files of the applications: the preprocessing state records which application made the file,
/// so a verb given a model of another kind says so instead of producing nonsense.
/// </summary>
public static class ApplicationFile
{
    /// <summary>Saves the model with its preprocessing state, tagged with <paramref name="application"/>.</summary>
    public static void Save(string path, Model<float> model, string application, JsonObject state)
    {
        state["application"] = application;
        ModelFile.Save(path, model, state);
    }

    /// <summary>Loads a Sequential model file made by <paramref name="application"/> ("classify", "generate", "forecast").</summary>
    /// <exception cref="InvalidModelFileException">Not a model file, or one made by another application.</exception>
    public static (Sequential<float> Model, JsonObject State) Load(string path, string application)
    {
        var (model, state) = LoadGraph(path, application);   // the application is named before the model's kind
        return (model as Sequential<float> ?? throw new InvalidModelFileException($"{path}: a '{application}' model must be Sequential; this one is functional."), state);
    }

    /// <summary>Loads a functional model file made by <paramref name="application"/> ("translate").</summary>
    /// <exception cref="InvalidModelFileException">Not a model file, or one made by another application.</exception>
    public static (Functional<float> Model, JsonObject State) LoadGraph(string path, string application)
    {
        RequireFile(path);
        LoadedFunctional<float> loaded = ModelFile.LoadFunctional<float>(path);
        return (loaded.Model, StateOf(path, loaded.Preprocessing, application));
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such model file.", path);
    }

    private static JsonObject StateOf(string path, JsonNode? preprocessing, string application)
    {
        if (preprocessing is not JsonObject state || state["application"]?.ToString() is not string kind)
            throw new InvalidModelFileException($"{path}: the model has no application state; it was not made by `recurrent train`.");
        if (kind != application)
            throw new InvalidModelFileException($"{path}: this is a '{kind}' model, but this command needs a '{application}' model.");
        return state;
    }

    /// <summary>The application that made a model file, or null.</summary>
    public static string? KindOf(string path) =>
        ModelFile.LoadFunctional<float>(path).Preprocessing?["application"]?.ToString();
}
