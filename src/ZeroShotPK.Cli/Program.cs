Console.WriteLine("zspk");
