<?php
// Muster AG web shop, release 1.0.0
header('Content-Type: text/plain');
echo "Muster Shop 1.0.0\n";
