// Saves a model to args[0] over and over, alternating two weight versions (all weights 1, then all 2), so a test can
// kill it at random moments and check the file is always absent or one complete version. Prints "ready" once started.
using Recurrent.IO;
using Recurrent.Layers;
using Recurrent.Models;

var model = new Sequential<float>([new Lstm<float>(256, returnSequences: true), new Lstm<float>(256), new Dense<float>(64)], inputShape: [10, 256], seed: 1);
Console.WriteLine("ready");
for (int version = 1; ; version = 3 - version)
{
    foreach (var parameter in model.Parameters) parameter.Value.Span.Fill(version);
    ModelFile.Save(args[0], model);
}
