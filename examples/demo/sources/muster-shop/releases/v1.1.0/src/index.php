<?php
// Muster AG web shop, release 1.1.0
header('Content-Type: text/plain');
echo "Muster Shop 1.1.0 (now with gift cards)\n";
