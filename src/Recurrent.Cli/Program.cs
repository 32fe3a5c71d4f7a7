Console.WriteLine("recurrent");
