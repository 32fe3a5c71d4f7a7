using System.Text.Json.Nodes;
using Recurrent.Data;

namespace Recurrent.Tests.Data;

// Expected values were produced by Keras' own keras/src/legacy/preprocessing/text.py on the same inputs.
public class TokenizerTests
{
    private static Tokenizer Fitted(Tokenizer tokenizer, params string[] texts)
    {
        tokenizer.FitOnTexts(texts);
        return tokenizer;
    }

    [Fact]
    public void Word_index_orders_by_descending_count_and_breaks_ties_by_first_appearance()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(), "b a c a", "c b d");

        Assert.Equal(["b", "a", "c", "d"], tokenizer.WordIndex.OrderBy(p => p.Value).Select(p => p.Key));
        Assert.Equal([1, 2, 3, 4], tokenizer.WordIndex.Values);
        Assert.Equal(new Dictionary<string, int> { ["b"] = 2, ["a"] = 2, ["c"] = 2, ["d"] = 1 }, tokenizer.WordCounts);
        Assert.Equal(["b", "a", "c", "d"], tokenizer.WordCounts.Keys);
        Assert.Equal("c", tokenizer.IndexWord[3]);
        Assert.Equal(2, tokenizer.DocumentCount);
    }

    [Fact]
    public void Texts_to_sequences_matches_keras_on_a_small_corpus()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(), "the cat sat on the mat", "the dog sat");

        int[][] sequences = tokenizer.TextsToSequences(["the cat sat on the mat", "the dog sat"]);

        Assert.Equal([[1, 3, 2, 4, 1, 5], [1, 6, 2]], sequences);
        Assert.Equal(7, tokenizer.VocabularySize);
    }

    [Fact]
    public void Num_words_drops_ids_at_or_above_the_limit_and_unknown_words()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(numWords: 3), "b a c a", "c b d");

        Assert.Equal([[1, 2]], tokenizer.TextsToSequences(["b a c d zz"]));
        Assert.Equal(4, tokenizer.WordIndex.Count);   // the index keeps every word; only conversion is cut
        Assert.Equal(3, tokenizer.VocabularySize);
    }

    [Fact]
    public void Oov_token_takes_id_1_and_replaces_unknown_and_cut_off_words()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(numWords: 3, oovToken: "<oov>"), "b a c a", "c b d");

        Assert.Equal(1, tokenizer.WordIndex["<oov>"]);
        Assert.Equal(2, tokenizer.WordIndex["b"]);
        Assert.Equal([[2, 1, 1, 1, 1]], tokenizer.TextsToSequences(["b a c d zz"]));
        Assert.Equal(["b <oov> <oov> <oov> <oov>"], tokenizer.SequencesToTexts([[2, 3, 4, 0, 99]]));
    }

    [Fact]
    public void Oov_token_that_also_occurs_in_the_texts_keeps_id_1()
    {
        // Keras gives 'x' a second id (2) here and leaves id 1 unused; we keep it at 1 so ids stay contiguous.
        Tokenizer tokenizer = Fitted(new Tokenizer(oovToken: "x"), "y x x z");

        Assert.Equal(new Dictionary<string, int> { ["x"] = 1, ["y"] = 2, ["z"] = 3 }, tokenizer.WordIndex);
        Assert.Equal([[1, 1, 2]], tokenizer.TextsToSequences(["x q y"]));
        Assert.Equal(4, tokenizer.VocabularySize);
    }

    [Fact]
    public void Filters_and_lower_case_apply_but_a_carriage_return_stays_with_its_word()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(), "Hello, World! hello-world", "one two\r\nthree");

        Assert.Equal(["hello", "world", "one", "two\r", "three"], tokenizer.WordIndex.Keys);
    }

    [Fact]
    public void Custom_split_filters_and_case_are_honoured()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(split: "|", filters: ".", lower: false), "A|b.b|C", "b|D");

        Assert.Equal(["b", "A", "C", "D"], tokenizer.WordIndex.Keys);
        Assert.Equal(["A", "b", "E"], tokenizer.Tokenize("A|b.E"));
    }

    [Fact]
    public void Char_level_makes_every_character_a_token_without_applying_filters()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(charLevel: true), "Ab, b!");

        Assert.Equal(["b", "a", ",", " ", "!"], tokenizer.WordIndex.Keys);
        Assert.Equal([[1, 2, 5]], tokenizer.TextsToSequences(["ba!"]));
        // Keras joins with a space even at character level; an empty separator gives the text back.
        Assert.Equal(["a b !"], tokenizer.SequencesToTexts([[2, 1, 5]]));
        Assert.Equal(["ab!"], tokenizer.SequencesToTexts([[2, 1, 5]], separator: ""));
    }

    [Fact]
    public void Char_level_treats_a_surrogate_pair_as_one_character()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(charLevel: true), "a\U0001F600");

        Assert.Equal(["a", "\U0001F600"], tokenizer.WordIndex.Keys);
    }

    [Fact]
    public void Sequences_to_texts_round_trips_and_drops_ids_without_a_word()
    {
        Tokenizer tokenizer = Fitted(new Tokenizer(), "the cat sat on the mat");
        int[][] sequences = tokenizer.TextsToSequences(["The cat, on the mat."]);

        Assert.Equal(["the cat on the mat"], tokenizer.SequencesToTexts(sequences));
        Assert.Equal(["the cat"], tokenizer.SequencesToTexts([[1, 0, 2, 77]]));
    }

    [Fact]
    public void Fitting_twice_adds_to_the_counts_and_renumbers()
    {
        var tokenizer = new Tokenizer();
        tokenizer.FitOnTexts(["a b"]);
        tokenizer.FitOnTexts(["b c"]);

        Assert.Equal(["b", "a", "c"], tokenizer.WordIndex.Keys);
        Assert.Equal(2, tokenizer.WordCounts["b"]);
        Assert.Equal(2, tokenizer.DocumentCount);
    }

    [Fact]
    public void Json_round_trip_keeps_options_vocabulary_and_conversions()
    {
        Tokenizer original = Fitted(new Tokenizer(numWords: 5, oovToken: "<unk>", split: "|", filters: ".", lower: false), "A|b.b|C", "b|D");

        JsonNode saved = JsonNode.Parse(original.ToJson().ToJsonString())!;
        Tokenizer loaded = Tokenizer.FromJson(saved, "test.rnn");

        Assert.Equal(original.WordIndex, loaded.WordIndex);
        Assert.Equal(original.WordCounts, loaded.WordCounts);
        Assert.Equal((5, "<unk>", "|", ".", false, 2), (loaded.NumWords, loaded.OovToken, loaded.Split, loaded.Filters, loaded.Lower, loaded.DocumentCount));
        Assert.Equal([[3, 2, 1, 1, 4]], loaded.TextsToSequences(["A|b.E|D|C"]));
        Assert.Equal(["A b <unk> C"], loaded.SequencesToTexts([[3, 2, 5, 4]]));
    }

    [Fact]
    public void Json_written_by_keras_is_read()
    {
        // Keras' Tokenizer.to_json output, dictionaries stored as JSON strings.
        const string keras = """
            {"class_name": "Tokenizer", "config": {"num_words": 5, "filters": ".", "lower": false, "split": "|",
             "char_level": false, "oov_token": "<unk>", "document_count": 2,
             "word_counts": "{\"A\": 1, \"b\": 3, \"C\": 1, \"D\": 1}", "word_docs": "{\"b\": 2, \"C\": 1, \"A\": 1, \"D\": 1}",
             "index_docs": "{\"2\": 2, \"4\": 1, \"3\": 1, \"5\": 1}",
             "index_word": "{\"1\": \"<unk>\", \"2\": \"b\", \"3\": \"A\", \"4\": \"C\", \"5\": \"D\"}",
             "word_index": "{\"<unk>\": 1, \"b\": 2, \"A\": 3, \"C\": 4, \"D\": 5}"}}
            """;

        Tokenizer tokenizer = Tokenizer.FromJson(JsonNode.Parse(keras)!, "keras.json");

        Assert.Equal([[3, 2, 1, 1, 4]], tokenizer.TextsToSequences(["A|b.E|D|C"]));
        Assert.Equal(5, tokenizer.VocabularySize);
        Assert.Equal(3, tokenizer.WordIndex["A"]);
    }

    [Theory]
    [InlineData("""{"class_name": "Tokenizer"}""", "'config' is missing")]
    [InlineData("""{"class_name": "Other", "config": {}}""", "'class_name' must be \"Tokenizer\"")]
    [InlineData("""{"class_name": "Tokenizer", "config": {}, "extra": 1}""", "unknown key 'extra'")]
    [InlineData("""{"class_name": "Tokenizer", "config": {"num_words": "five"}}""", "'num_words' must be an integer, got \"five\"")]
    public void Malformed_json_names_the_source_and_the_problem(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.FromJson(JsonNode.Parse(json)!, "model.rnn"));

        Assert.StartsWith("model.rnn: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Malformed_word_index_is_refused_with_the_key()
    {
        JsonObject json = Fitted(new Tokenizer(), "a b").ToJson();
        json["config"]!["word_index"] = """{"a": 1, "b": 1}""";

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.FromJson(json, "model.rnn"));

        Assert.Contains("'word_index'", error.Message);
        Assert.Contains("id 1, which another word has too", error.Message);
    }

    [Fact]
    public void Wrongly_typed_value_names_the_key()
    {
        JsonObject json = Fitted(new Tokenizer(), "a b").ToJson();
        json["config"]!["lower"] = "yes";

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.FromJson(json, "model.rnn"));

        Assert.Equal("model.rnn: Tokenizer 'config' key 'lower' must be true or false, got \"yes\".", error.Message);
    }

    [Fact]
    public void Converting_before_fitting_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Tokenizer().TextsToSequences(["a"]));

        Assert.Contains("FitOnTexts", error.Message);
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tokenizer(numWords: 0));
        Assert.Throws<ArgumentException>(() => new Tokenizer(split: ""));
    }
}
